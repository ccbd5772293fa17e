-- Koala visitor subjects (issue 12, seed 003): one row per visitor we mean to let in, keyed by our
-- own id (the idempotency key makes a visit at most one row). A `create_koala_visitor` job claims
-- the row (`pending -> creating`), counts the `POST /subject` call before making it and stores
-- Koala's subject id; a row with a subject id is never created again. After a call whose answer
-- was lost (`calls` > 0), a retry first looks the visitor up in Koala.
CREATE TABLE koala_visitors (
    id                 BIGSERIAL PRIMARY KEY,
    idempotency_key    TEXT        NOT NULL UNIQUE,
    name               TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    phone              TEXT        NOT NULL CHECK (char_length(phone) BETWEEN 1 AND 32),
    purpose            TEXT,
    interviewee        TEXT,
    come_from          TEXT,
    avatar_url         TEXT,
    start_time         TIMESTAMPTZ NOT NULL,
    end_time           TIMESTAMPTZ NOT NULL,
    status             TEXT        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'creating', 'created', 'failed')),
    subject_id         BIGINT,
    code               BIGINT,
    error              TEXT,
    calls              INTEGER     NOT NULL DEFAULT 0,
    claimed_at         TIMESTAMPTZ,
    claim_attempt      INTEGER,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_subject_at TIMESTAMPTZ,
    CHECK (end_time > start_time),
    CHECK ((status = 'created') = (subject_id IS NOT NULL))
);
