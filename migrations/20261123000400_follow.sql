-- Seed 000: a permanent parametric QR code per department, the followers it brings, and keyword
-- auto-replies on the Official Account.

ALTER TABLE departments
    ADD COLUMN welcome_text TEXT CHECK (char_length(welcome_text) <= 600),
    ADD COLUMN page_url     TEXT CHECK (char_length(page_url) <= 500);

CREATE TABLE department_qrcodes (
    department_id BIGINT PRIMARY KEY REFERENCES departments (id) ON DELETE CASCADE,
    scene_id      INTEGER     NOT NULL UNIQUE CHECK (scene_id BETWEEN 1 AND 100000),
    status        TEXT        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
    ticket        TEXT,
    url           TEXT,
    image_url     TEXT,
    last_error    TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per follower of the Official Account; the department that brought them (or last scanned).
CREATE TABLE wechat_followers (
    appid         TEXT        NOT NULL,
    openid        TEXT        NOT NULL,
    department_id BIGINT REFERENCES departments (id) ON DELETE SET NULL,
    source        TEXT        NOT NULL CHECK (source IN ('qrcode', 'scan', 'direct')),
    status        TEXT        NOT NULL DEFAULT 'following' CHECK (status IN ('following', 'gone')),
    followed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    unfollowed_at TIMESTAMPTZ,
    PRIMARY KEY (appid, openid)
);
CREATE INDEX wechat_followers_department ON wechat_followers (department_id, followed_at DESC);

CREATE TABLE keyword_rules (
    id          BIGSERIAL PRIMARY KEY,
    pattern     TEXT        NOT NULL CHECK (char_length(pattern) BETWEEN 1 AND 100),
    match_kind  TEXT        NOT NULL CHECK (match_kind IN ('exact', 'contains')),
    reply_text  TEXT        NOT NULL CHECK (char_length(reply_text) BETWEEN 1 AND 600),
    reply_url   TEXT CHECK (char_length(reply_url) <= 500),
    priority    INTEGER     NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
