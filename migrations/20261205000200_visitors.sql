-- Seed 003 (issue 15): visitor appointments.
--
-- H5 users sign in with the Official Account's web OAuth (their openid in `wechat_identities`,
-- nickname and avatar here); a binding ties a user to one verified phone (an SMS code), a phone
-- to one user. Staff are users whose binding Koala confirmed (`visit_staff`). Applications name
-- a visitor, companions and a host by phone; every notice is one send row per person and channel
-- (`visit_notices` → `sms_sends` / `template_sends`), and each authorized person one
-- `koala_visitors` row (key `visit:<id>:<phone>`).

CREATE TABLE wechat_profiles (
    user_id    BIGINT      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    nickname   TEXT        NOT NULL DEFAULT '',
    avatar_url TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE phone_bindings (
    user_id  BIGINT      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    phone    TEXT        NOT NULL CONSTRAINT phone_bindings_phone_key UNIQUE CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    bound_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- SMS verification codes, stored only as SHA-256 over (user, phone, code).
CREATE TABLE binding_codes (
    id         BIGSERIAL   PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    phone      TEXT        NOT NULL,
    code_hash  TEXT        NOT NULL,
    attempts   INTEGER     NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX binding_codes_latest ON binding_codes (user_id, phone, id DESC);

CREATE TABLE visit_staff (
    user_id       BIGINT      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    subject_id    BIGINT      NOT NULL,
    name          TEXT        NOT NULL,
    phone         TEXT        NOT NULL,
    department    TEXT,
    avatar_source TEXT,
    verified_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE visit_applications (
    id             BIGSERIAL   PRIMARY KEY,
    proposer_id    BIGINT      NOT NULL REFERENCES users (id),
    proposer_phone TEXT        NOT NULL,
    applicant      TEXT        NOT NULL CONSTRAINT visit_applications_applicant_check CHECK (applicant IN ('host', 'visitor')),
    visitor_name   TEXT        NOT NULL,
    visitor_phone  TEXT        NOT NULL,
    host_phone     TEXT        NOT NULL,
    purpose        TEXT        NOT NULL,
    visit_from     TIMESTAMPTZ NOT NULL,
    visit_to       TIMESTAMPTZ NOT NULL,
    note           TEXT        NOT NULL DEFAULT '',
    status         TEXT        NOT NULL DEFAULT 'pending'
        CONSTRAINT visit_applications_status_check CHECK (status IN ('pending', 'authorized', 'refused')),
    refusal_reason TEXT,
    decided_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT visit_applications_window CHECK (visit_to > visit_from)
);
CREATE INDEX visit_applications_host ON visit_applications (host_phone, id DESC);
CREATE INDEX visit_applications_proposer ON visit_applications (proposer_phone, id DESC);

CREATE TABLE visit_companions (
    application_id BIGINT  NOT NULL REFERENCES visit_applications (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    name           TEXT    NOT NULL,
    phone          TEXT    NOT NULL,
    PRIMARY KEY (application_id, position)
);

-- Official Account template messages: one row per message we mean to send (the idempotency key
-- makes it one send); the job claims its row (`pending -> sending`) before calling WeChat and
-- sends `client_msg_id` = `tpl-<id>`, so a retry after a lost answer is dropped by WeChat.
CREATE TABLE template_sends (
    id              BIGSERIAL   PRIMARY KEY,
    idempotency_key TEXT        NOT NULL UNIQUE,
    openid          TEXT        NOT NULL,
    template_id     TEXT        NOT NULL,
    url             TEXT,
    data            JSONB       NOT NULL,
    status          TEXT        NOT NULL DEFAULT 'pending'
        CONSTRAINT template_sends_status_check CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER     NOT NULL DEFAULT 0,
    claimed_at      TIMESTAMPTZ,
    msgid           BIGINT,
    error           TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ
);

CREATE TABLE visit_notices (
    id               BIGSERIAL PRIMARY KEY,
    application_id   BIGINT    NOT NULL REFERENCES visit_applications (id) ON DELETE CASCADE,
    event            TEXT      NOT NULL,
    phone            TEXT      NOT NULL,
    channel          TEXT      NOT NULL CONSTRAINT visit_notices_channel_check CHECK (channel IN ('wechat', 'sms')),
    sms_send_id      BIGINT    REFERENCES sms_sends (id),
    template_send_id BIGINT    REFERENCES template_sends (id),
    CONSTRAINT visit_notices_once UNIQUE (application_id, event, phone, channel),
    CONSTRAINT visit_notices_one_send CHECK ((channel = 'sms') = (sms_send_id IS NOT NULL) AND (channel = 'wechat') = (template_send_id IS NOT NULL))
);
