-- E-mail send log (issue 12): one row per message we mean to send, rendered when planned; the
-- idempotency key makes a message at most one send. A job claims its row (`pending -> sending`)
-- before talking SMTP. `attachments` lists stored objects: [{"key","filename","contentType"}].
CREATE TABLE mail_sends (
    id              BIGSERIAL PRIMARY KEY,
    idempotency_key TEXT        NOT NULL UNIQUE,
    kind            TEXT        NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 64),
    recipients      TEXT[]      NOT NULL CHECK (cardinality(recipients) BETWEEN 1 AND 50),
    subject         TEXT        NOT NULL,
    text_body       TEXT        NOT NULL,
    html_body       TEXT,
    attachments     JSONB       NOT NULL DEFAULT '[]'::jsonb,
    status          TEXT        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    error           TEXT,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    claimed_at      TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ
);
