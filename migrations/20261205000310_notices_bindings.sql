-- Seed 004 (issue 16), part 2: binding a WeChat follower to a student.
--
-- A student proves who they are on the bind page (web OAuth, their openid) with their student
-- number and either a one-time code their counselor issued (`student_bind_codes`, kept only as
-- SHA-256 over (student, code)) or an SMS code sent to the phone on file (`binding_codes`, as
-- seed 003 keeps them). One openid is one student and a student one openid; unfollowing the
-- Official Account marks the binding inactive and following again restores it.

CREATE TABLE student_bindings (
    student_id     BIGINT      PRIMARY KEY REFERENCES students (id) ON DELETE CASCADE,
    appid          TEXT        NOT NULL,
    openid         TEXT        NOT NULL,
    -- The H5 account that bound (web OAuth sign-in).
    user_id        BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    active         BOOLEAN     NOT NULL DEFAULT true,
    bound_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    inactive_since TIMESTAMPTZ,
    CONSTRAINT student_bindings_openid_key UNIQUE (appid, openid)
);

CREATE TABLE student_bind_codes (
    id         BIGSERIAL   PRIMARY KEY,
    student_id BIGINT      NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    code_hash  TEXT        NOT NULL,
    issued_by  BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    attempts   INTEGER     NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX student_bind_codes_latest ON student_bind_codes (student_id, id DESC);
