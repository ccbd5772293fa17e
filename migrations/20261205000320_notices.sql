-- Seed 004 (issue 16), part 3: notices, their frozen recipients, category subscriptions, read
-- receipts, confirmations and reminders.
--
-- A notice's audience (everyone the author sees, classes, groups, a grade/major filter, or chosen
-- students) is resolved when it is sent and frozen into `notice_recipients` with each student's
-- number, name and class as they were, so statistics never drift. Each recipient's delivery is
-- decided then: `wechat` (an active binding, and the category is one they follow or the notice is
-- urgent: one `template_sends` row and job), `unbound` (no active binding) or `muted` (they do not
-- follow the category and it is not urgent). A student without settings follows every category.

CREATE TABLE notice_categories (
    id         BIGSERIAL   PRIMARY KEY,
    name       TEXT        NOT NULL CONSTRAINT notice_categories_name_key UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE student_notice_settings (
    student_id   BIGINT      PRIMARY KEY REFERENCES students (id) ON DELETE CASCADE,
    category_ids BIGINT[]    NOT NULL DEFAULT '{}',
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE notices (
    id              BIGSERIAL   PRIMARY KEY,
    title           TEXT        NOT NULL,
    body            TEXT        NOT NULL,
    category_id     BIGINT      NOT NULL REFERENCES notice_categories (id),
    urgency         TEXT        NOT NULL CONSTRAINT notices_urgency_check CHECK (urgency IN ('urgent', 'important', 'normal')),
    require_confirm BOOLEAN     NOT NULL DEFAULT false,
    audience        JSONB       NOT NULL,
    author_id       BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    -- The author's counselor record (NULL: an admin's notice); a counselor sees their own notices.
    counselor_id    BIGINT      REFERENCES counselors (id) ON DELETE SET NULL,
    sent_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX notices_counselor ON notices (counselor_id, id DESC);

CREATE TABLE notice_recipients (
    id               BIGSERIAL   PRIMARY KEY,
    notice_id        BIGINT      NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    student_id       BIGINT      REFERENCES students (id) ON DELETE SET NULL,
    student_no       TEXT        NOT NULL,
    name             TEXT        NOT NULL,
    class_name       TEXT        NOT NULL,
    delivery         TEXT        NOT NULL CONSTRAINT notice_recipients_delivery_check CHECK (delivery IN ('wechat', 'unbound', 'muted')),
    template_send_id BIGINT      REFERENCES template_sends (id),
    read_at          TIMESTAMPTZ,
    confirmed_at     TIMESTAMPTZ,
    CONSTRAINT notice_recipients_once UNIQUE (notice_id, student_id)
);
CREATE INDEX notice_recipients_student ON notice_recipients (student_id, notice_id);

-- "Remind the non-readers": once per notice per day (service time zone).
CREATE TABLE notice_reminders (
    notice_id  BIGINT      NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    day        DATE        NOT NULL,
    reminded   INTEGER     NOT NULL,
    author_id  BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (notice_id, day)
);
