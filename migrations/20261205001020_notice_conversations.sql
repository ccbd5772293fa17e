-- Seed 004 (issue 17): conversations on a notice. Comments (可评论) are public to the notice's
-- recipients and staff, moderated (hidden or deleted) by counselors and admins; replies (可回复,
-- 提问咨询) are a private thread per student per notice, seen by that student and staff only.
CREATE TABLE notice_comments (
    id          BIGSERIAL   PRIMARY KEY,
    notice_id   BIGINT      NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    user_id     BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    -- The student who wrote it (NULL: staff).
    student_id  BIGINT      REFERENCES students (id) ON DELETE SET NULL,
    -- As other readers see the author: "张同学", or the counselor's name.
    author_name TEXT        NOT NULL,
    body        TEXT        NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
    hidden_at   TIMESTAMPTZ,
    hidden_by   BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX notice_comments_notice ON notice_comments (notice_id, id);
CREATE INDEX notice_comments_user ON notice_comments (user_id, created_at);

CREATE TABLE notice_replies (
    id           BIGSERIAL   PRIMARY KEY,
    notice_id    BIGINT      NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    student_id   BIGINT      NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    -- true: the student asks; false: staff answer.
    from_student BOOLEAN     NOT NULL,
    user_id      BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    author_name  TEXT        NOT NULL,
    body         TEXT        NOT NULL CHECK (length(body) BETWEEN 1 AND 1000),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX notice_replies_thread ON notice_replies (notice_id, student_id, id);
CREATE INDEX notice_replies_user ON notice_replies (user_id, created_at);
