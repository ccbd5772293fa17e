-- Seed 002's contact book: colleagues, and substring search over every card field that stays
-- fast with tens of thousands of staff (trigram GIN indexes serve `LIKE '%…%'`).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE colleagues (
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    colleague_id BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, colleague_id),
    CONSTRAINT colleagues_not_self CHECK (user_id <> colleague_id)
);

-- The searchable text of each table, fields joined by U+001F (no one types it, so a term never
-- matches across two fields). The contacts query uses exactly these expressions.
CREATE INDEX users_contact_search ON users
    USING gin (lower(name || chr(31) || coalesce(phone, '')) gin_trgm_ops);
CREATE INDEX user_meta_contact_search ON user_meta
    USING gin (lower(position || chr(31) || department || chr(31) || qq || chr(31) || telephone) gin_trgm_ops);
