-- Exactly-once subscribe sends (issue 9): a send row is claimed (`pending -> sending`) before
-- WeChat is called; the claim's time and attempt tell a live claim from a dead one.
ALTER TABLE subscribe_sends DROP CONSTRAINT subscribe_sends_status_check;
ALTER TABLE subscribe_sends ADD CONSTRAINT subscribe_sends_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped'));
ALTER TABLE subscribe_sends ADD COLUMN claimed_at TIMESTAMPTZ, ADD COLUMN claim_attempt INTEGER;
CREATE INDEX subscribe_sends_user_pending ON subscribe_sends (user_id) WHERE status = 'pending';

-- Accepts beyond SUBSCRIBE_GRANT_CAP unspent grants of one template are recorded as `over_cap`.
ALTER TABLE subscribe_grants DROP CONSTRAINT subscribe_grants_decision_check;
ALTER TABLE subscribe_grants ADD CONSTRAINT subscribe_grants_decision_check
    CHECK (decision IN ('accept', 'reject', 'ban', 'over_cap'));

-- One row per `wxCode` exchange: a send without an openid waits while its user's exchange is
-- pending and is skipped only once no exchange can bring one.
CREATE TABLE wx_code_exchanges (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      TEXT        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ
);
CREATE INDEX wx_code_exchanges_pending ON wx_code_exchanges (user_id) WHERE status = 'pending';
