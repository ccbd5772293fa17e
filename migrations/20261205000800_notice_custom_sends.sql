-- Seed 004 (issue 16), delivery: customer-service messages where the 48-hour window is open, and
-- the groups each recipient belonged to, frozen for per-group statistics.
--
-- A follower's last inbound interaction (a text, voice or image message; a CLICK, VIEW, subscribe
-- or SCAN event) opens WeChat's customer-service window: for a while after it (NOTICE_CUSTOM_WINDOW_HOURS,
-- 48 as WeChat allows) a notice goes to them as a customer-service message instead of a template.
CREATE TABLE wechat_interactions (
    openid  TEXT        PRIMARY KEY,
    kind    TEXT        NOT NULL,
    last_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Customer-service messages: one row per message we mean to send (the key makes it one send); the
-- job claims its row (`pending -> sending`) before calling WeChat. When WeChat refuses it because
-- the window closed (45015) or its count is spent (45047), the row becomes `fallback` and the
-- template message in `fallback` (`{templateId, url, data}`, keyed `fallback_key`) is planned once
-- in its place (`fallback_send_id`).
CREATE TABLE custom_sends (
    id               BIGSERIAL   PRIMARY KEY,
    idempotency_key  TEXT        NOT NULL UNIQUE,
    openid           TEXT        NOT NULL,
    content          TEXT        NOT NULL,
    fallback_key     TEXT        NOT NULL,
    fallback         JSONB       NOT NULL,
    status           TEXT        NOT NULL DEFAULT 'pending'
        CONSTRAINT custom_sends_status_check CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'fallback')),
    attempts         INTEGER     NOT NULL DEFAULT 0,
    claimed_at       TIMESTAMPTZ,
    error            TEXT,
    fallback_send_id BIGINT      REFERENCES template_sends (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at          TIMESTAMPTZ
);

ALTER TABLE notice_recipients
    ADD COLUMN custom_send_id BIGINT REFERENCES custom_sends (id),
    -- The names of the groups the student belonged to when the notice was sent (those the author sees).
    ADD COLUMN group_names TEXT[] NOT NULL DEFAULT '{}';
