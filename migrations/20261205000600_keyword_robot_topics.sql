-- Seed 004's robot on the Official Account (issue 17): keyword rules also match by regular
-- expression, a `fallback` rule answers text no other rule matched, and a rule may answer with
-- news (图文, 1–8 articles) instead of text. Text starting with `#话题` is a post to that topic's
-- board (话题讨论), readable in H5; counselors and admins hide posts.
ALTER TABLE keyword_rules DROP CONSTRAINT keyword_rules_match_kind_check;
ALTER TABLE keyword_rules ADD CONSTRAINT keyword_rules_match_kind_check
    CHECK (match_kind IN ('exact', 'contains', 'regex', 'fallback'));
ALTER TABLE keyword_rules ADD COLUMN reply_articles JSONB
    CHECK (reply_articles IS NULL
           OR (jsonb_typeof(reply_articles) = 'array' AND jsonb_array_length(reply_articles) BETWEEN 1 AND 8));

CREATE TABLE topic_posts (
    id         BIGSERIAL PRIMARY KEY,
    topic      TEXT        NOT NULL CHECK (char_length(topic) BETWEEN 1 AND 20),
    account    TEXT        NOT NULL,
    openid     TEXT        NOT NULL,
    -- the message's MsgId: a redelivered message posts once even without Redis de-duplication
    msg_id     BIGINT      NOT NULL,
    content    TEXT        NOT NULL CHECK (char_length(content) BETWEEN 1 AND 600),
    hidden_at  TIMESTAMPTZ,
    hidden_by  BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account, msg_id)
);
CREATE INDEX topic_posts_visible ON topic_posts (topic, id DESC) WHERE hidden_at IS NULL;
