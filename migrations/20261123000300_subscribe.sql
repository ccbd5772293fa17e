-- WeChat identities and one-time subscribe-message grants with their send log (seed 001).

-- One openid belongs to one user per appid; a user has at most one openid per appid.
CREATE TABLE wechat_identities (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    appid      TEXT        NOT NULL,
    openid     TEXT        NOT NULL,
    unionid    TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT wechat_identities_openid_key UNIQUE (appid, openid),
    CONSTRAINT wechat_identities_user_key UNIQUE (user_id, appid)
);

-- Each `accept` from wx.requestSubscribeMessage is one send; `reject` and `ban` are recorded.
CREATE TABLE subscribe_grants (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id TEXT        NOT NULL CHECK (char_length(template_id) BETWEEN 1 AND 128),
    decision    TEXT        NOT NULL CHECK (decision IN ('accept', 'reject', 'ban')),
    scene       TEXT CHECK (char_length(scene) <= 64),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    spent_at    TIMESTAMPTZ,
    send_id     BIGINT
);
CREATE INDEX subscribe_grants_unspent
    ON subscribe_grants (user_id, template_id, id) WHERE decision = 'accept' AND spent_at IS NULL;

-- One row per message we mean to send; the idempotency key makes a message at most one send.
CREATE TABLE subscribe_sends (
    id                BIGSERIAL PRIMARY KEY,
    idempotency_key   TEXT        NOT NULL UNIQUE,
    kind              TEXT        NOT NULL,
    user_id           BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    appointment_id    BIGINT REFERENCES appointments (id),
    waitlist_entry_id BIGINT REFERENCES waitlist_entries (id),
    template_id       TEXT        NOT NULL,
    openid            TEXT,
    grant_id          BIGINT REFERENCES subscribe_grants (id),
    status            TEXT        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    errcode           INTEGER,
    error             TEXT,
    attempts          INTEGER     NOT NULL DEFAULT 0,
    data              JSONB,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at           TIMESTAMPTZ
);
CREATE INDEX subscribe_sends_appointment ON subscribe_sends (appointment_id);
