-- Aliyun SMS send log (issue 12): one row per message we mean to send; the idempotency key makes
-- a message at most one send. A job claims its row (`pending -> sending`) before calling SendSms.
-- SendSms is not idempotent: a call whose answer was lost ends `unknown` and is never resent by
-- itself (an operator decides: `UPDATE sms_sends SET status = 'pending' …` and retry the job).
CREATE TABLE sms_sends (
    id              BIGSERIAL PRIMARY KEY,
    idempotency_key TEXT        NOT NULL UNIQUE,
    kind            TEXT        NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 64),
    phone           TEXT        NOT NULL CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    params          JSONB       NOT NULL DEFAULT '{}'::jsonb,
    status          TEXT        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
    code            TEXT,
    error           TEXT,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    template_code   TEXT,
    biz_id          TEXT,
    request_id      TEXT,
    claimed_at      TIMESTAMPTZ,
    claim_attempt   INTEGER,
    -- set just before the SendSms call: a dead run's claim with it set ends `unknown`, never resent
    called_at       TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ
);
CREATE INDEX sms_sends_unknown ON sms_sends (updated_at) WHERE status = 'unknown';
