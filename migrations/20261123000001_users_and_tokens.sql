-- Accounts and API tokens shared by every front end.

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT        NOT NULL,
    password_hash TEXT,
    name          TEXT        NOT NULL DEFAULT '',
    phone         TEXT,
    email         TEXT,
    roles         TEXT[]      NOT NULL DEFAULT '{}',
    is_active     BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT users_roles_known CHECK (
        roles <@ ARRAY['admin', 'staff', 'patient', 'visitor', 'student', 'counselor']::TEXT[]
    ),
    CONSTRAINT users_username_length CHECK (char_length(username) BETWEEN 1 AND 150)
);

CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- Contact-book details shown by GET /current-user/meta/ (seed 002).
CREATE TABLE user_meta (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    position   TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    qq         TEXT NOT NULL DEFAULT '',
    telephone  TEXT NOT NULL DEFAULT ''
);

-- Opaque bearer tokens; only their SHA-256 is stored.
CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BYTEA       NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

CREATE INDEX api_tokens_user_id ON api_tokens (user_id);
