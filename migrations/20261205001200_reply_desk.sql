-- Seed 004 (issue 17): the manual reply desk (客服). Every message a follower sends to the
-- Official Account (text, image, voice, video, location, link) is kept in their conversation,
-- once per WeChat MsgId (media by their MediaId, not downloaded); staff answer inside WeChat's
-- 48-hour customer-service window with text, image, voice, video, music or news. An answer is a
-- row the `send_desk_answer` job claims (`pending -> sending`) before calling WeChat; media are
-- uploaded first as temporary material and the media id kept, so a retry does not upload again.
CREATE TABLE desk_conversations (
    id         BIGSERIAL   PRIMARY KEY,
    openid     TEXT        NOT NULL CONSTRAINT desk_conversations_openid_key UNIQUE,
    last_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The newest inbound message staff have read (0: none).
    read_up_to BIGINT      NOT NULL DEFAULT 0
);
CREATE INDEX desk_conversations_last ON desk_conversations (last_at DESC, id DESC);

CREATE TABLE desk_messages (
    id              BIGSERIAL   PRIMARY KEY,
    conversation_id BIGINT      NOT NULL REFERENCES desk_conversations (id) ON DELETE CASCADE,
    -- true: the follower wrote it; false: staff's answer.
    inbound         BOOLEAN     NOT NULL,
    -- WeChat's MsgId of an inbound message (the same message delivered again is kept once).
    msg_id          BIGINT,
    kind            TEXT        NOT NULL
        CONSTRAINT desk_messages_kind_check CHECK (kind IN ('text', 'image', 'voice', 'video', 'location', 'link', 'music', 'news')),
    -- What it says: {content} | {mediaId, picUrl} | {mediaId, format, recognition} | {mediaId,
    -- thumbMediaId} | {latitude, longitude, label} | {title, description, url} | an answer's fields.
    body            JSONB       NOT NULL,
    -- An answer's files (stored_files) and their temporary material once uploaded.
    file_id         TEXT        REFERENCES stored_files (id),
    thumb_file_id   TEXT        REFERENCES stored_files (id),
    media_id        TEXT,
    thumb_media_id  TEXT,
    user_id         BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    author_name     TEXT        NOT NULL DEFAULT '',
    status          TEXT        NOT NULL
        CONSTRAINT desk_messages_status_check CHECK (status IN ('received', 'pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER     NOT NULL DEFAULT 0,
    claimed_at      TIMESTAMPTZ,
    error           TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ,
    CONSTRAINT desk_messages_msg_id_key UNIQUE (conversation_id, msg_id),
    CHECK (inbound = (status = 'received'))
);
CREATE INDEX desk_messages_conversation ON desk_messages (conversation_id, id DESC);
