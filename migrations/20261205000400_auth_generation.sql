-- Authentication without a database read per request (issue 19): each API process keeps
-- token → user for a short while and drops what it keeps whenever this counter moves. Triggers
-- move it in the transaction that changes what a kept entry says (a token revoked, its expiry
-- changed or deleted; a user's name, contact, roles or activity changed, or the user deleted),
-- so the move is seen exactly when the change commits, whoever made it (an API, the console, psql).
CREATE TABLE auth_generation (
    only_row   BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    generation BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO auth_generation DEFAULT VALUES;

CREATE FUNCTION bump_auth_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_generation SET generation = generation + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER api_tokens_auth_changed AFTER UPDATE ON api_tokens FOR EACH ROW
    WHEN ((OLD.revoked_at, OLD.expires_at, OLD.user_id, OLD.token_hash) IS DISTINCT FROM (NEW.revoked_at, NEW.expires_at, NEW.user_id, NEW.token_hash))
    EXECUTE FUNCTION bump_auth_generation();
CREATE TRIGGER api_tokens_auth_deleted AFTER DELETE ON api_tokens FOR EACH STATEMENT
    EXECUTE FUNCTION bump_auth_generation();
CREATE TRIGGER users_auth_changed AFTER UPDATE ON users FOR EACH ROW
    WHEN ((OLD.username, OLD.name, OLD.phone, OLD.email, OLD.roles, OLD.is_active)
          IS DISTINCT FROM (NEW.username, NEW.name, NEW.phone, NEW.email, NEW.roles, NEW.is_active))
    EXECUTE FUNCTION bump_auth_generation();
CREATE TRIGGER users_auth_deleted AFTER DELETE ON users FOR EACH STATEMENT
    EXECUTE FUNCTION bump_auth_generation();
