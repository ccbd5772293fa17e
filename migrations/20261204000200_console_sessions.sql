-- Sign-ins to the admin console (issue 18): a session per browser, found by the SHA-256 of the
-- random cookie value (the value itself is never stored), with its CSRF token and one pending
-- flash message. The JSON API's tokens live in api_tokens and are not accepted by the console.
CREATE TABLE console_sessions (
    id          BIGSERIAL PRIMARY KEY,
    token_hash  BYTEA NOT NULL UNIQUE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    flash       TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX console_sessions_user_id ON console_sessions (user_id);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);
