-- Seed 004 (issue 16), delivery: mass sends by tag for large notices.
--
-- Each class and each group has an Official Account tag (`notice_tags`, created by the
-- `sync_notice_tags` job); `notice_tag_members` is what WeChat has been told: the openids tagged,
-- in batches of at most 50, until they match the active bindings of the class's students or the
-- group's members (re-run after binding, unbinding and membership changes).
CREATE TABLE notice_tags (
    id            BIGSERIAL   PRIMARY KEY,
    class_id      BIGINT      CONSTRAINT notice_tags_class_key UNIQUE REFERENCES school_classes (id) ON DELETE CASCADE,
    group_id      BIGINT      CONSTRAINT notice_tags_group_key UNIQUE REFERENCES student_groups (id) ON DELETE CASCADE,
    name          TEXT        NOT NULL CONSTRAINT notice_tags_name_key UNIQUE,
    wechat_tag_id BIGINT,
    synced_at     TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT notice_tags_one_owner CHECK ((class_id IS NULL) <> (group_id IS NULL))
);

CREATE TABLE notice_tag_members (
    tag_id    BIGINT      NOT NULL REFERENCES notice_tags (id) ON DELETE CASCADE,
    openid    TEXT        NOT NULL,
    tagged_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tag_id, openid)
);

-- One mass send per tag of a large notice (`send_notice_mass` claims it `pending -> sending`
-- before the call; `clientmsgid` = `notice-mass-<id>` lets WeChat drop a repeat). A news one
-- uploads its cover as permanent material (`thumb_media_id`), then the article (`news_media_id`),
-- each kept so a retry does not upload again. `MASSSENDJOBFINISH` sets the counts (idempotent on
-- redelivery).
CREATE TABLE notice_mass_sends (
    id             BIGSERIAL   PRIMARY KEY,
    notice_id      BIGINT      NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    tag_id         BIGINT      REFERENCES notice_tags (id) ON DELETE SET NULL,
    wechat_tag_id  BIGINT      NOT NULL,
    tag_name       TEXT        NOT NULL,
    format         TEXT        NOT NULL CONSTRAINT notice_mass_sends_format_check CHECK (format IN ('text', 'news')),
    -- The text of a text send; the article's body of a news send.
    content        TEXT        NOT NULL,
    -- A news send: {title, digest, url, cover} (cover: the image file's path).
    article        JSONB,
    recipients     INTEGER     NOT NULL DEFAULT 0,
    status         TEXT        NOT NULL DEFAULT 'pending'
        CONSTRAINT notice_mass_sends_status_check CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts       INTEGER     NOT NULL DEFAULT 0,
    claimed_at     TIMESTAMPTZ,
    error          TEXT,
    thumb_media_id TEXT,
    news_media_id  TEXT,
    msg_id         BIGINT,
    msg_data_id    BIGINT,
    finish_status  TEXT,
    total_count    INTEGER,
    filter_count   INTEGER,
    sent_count     INTEGER,
    error_count    INTEGER,
    finished_at    TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at        TIMESTAMPTZ,
    CONSTRAINT notice_mass_sends_once UNIQUE (notice_id, wechat_tag_id)
);
CREATE INDEX notice_mass_sends_msg ON notice_mass_sends (msg_id) WHERE msg_id IS NOT NULL;

ALTER TABLE notice_recipients ADD COLUMN mass_send_id BIGINT REFERENCES notice_mass_sends (id);

-- Each recipient's message as the statistics read it: the channel (`mass`, `custom`, `template`;
-- a customer-service message that fell back counts as its template) and that message's status.
CREATE VIEW notice_recipient_sends AS
SELECT r.id AS recipient_id, r.notice_id,
       CASE WHEN r.mass_send_id IS NOT NULL THEN 'mass'
            WHEN r.custom_send_id IS NOT NULL AND c.status <> 'fallback' THEN 'custom'
            WHEN r.custom_send_id IS NOT NULL OR r.template_send_id IS NOT NULL THEN 'template' END AS channel,
       CASE WHEN r.mass_send_id IS NOT NULL THEN m.status
            WHEN r.custom_send_id IS NOT NULL THEN CASE WHEN c.status = 'fallback' THEN COALESCE(f.status, 'pending') ELSE c.status END
            ELSE t.status END AS status,
       CASE WHEN r.mass_send_id IS NOT NULL THEN m.error
            WHEN r.custom_send_id IS NOT NULL THEN CASE WHEN c.status = 'fallback' THEN f.error ELSE c.error END
            ELSE t.error END AS error
  FROM notice_recipients r
  LEFT JOIN template_sends t ON t.id = r.template_send_id
  LEFT JOIN custom_sends c ON c.id = r.custom_send_id
  LEFT JOIN template_sends f ON f.id = c.fallback_send_id
  LEFT JOIN notice_mass_sends m ON m.id = r.mass_send_id;
