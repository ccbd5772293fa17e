-- Seed 004 (issue 17): the daily broadcast (每日播报). A counselor schedules a digest for some of
-- their classes at a time of day (the service time zone): text they write, or the day's notices
-- each student received, built at send time. Students opt in (`broadcast_subscriptions`; never
-- asked: not subscribed). Each (broadcast, day) is claimed once by a unique row, so two
-- schedulers or a retried job never send a day twice; each message is keyed
-- `broadcast:<id>:<day>:<student>` (a customer-service message inside the window, else the
-- notice template stored with the broadcast).
CREATE TABLE daily_broadcasts (
    id           BIGSERIAL   PRIMARY KEY,
    -- The counselor who schedules it (NULL: an admin's).
    counselor_id BIGINT      REFERENCES counselors (id) ON DELETE CASCADE,
    created_by   BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    class_ids    BIGINT[]    NOT NULL CHECK (cardinality(class_ids) BETWEEN 1 AND 50),
    send_at      TIME        NOT NULL,
    kind         TEXT        NOT NULL CONSTRAINT daily_broadcasts_kind_check CHECK (kind IN ('text', 'notices')),
    body         TEXT        NOT NULL DEFAULT '' CHECK (length(body) <= 600),
    -- The notice template (NOTICE_TEMPLATE when it was scheduled) for students outside the window.
    template_id  TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX daily_broadcasts_counselor ON daily_broadcasts (counselor_id, id);

CREATE TABLE daily_broadcast_runs (
    id           BIGSERIAL   PRIMARY KEY,
    broadcast_id BIGINT      NOT NULL REFERENCES daily_broadcasts (id) ON DELETE CASCADE,
    day          DATE        NOT NULL,
    messages     INTEGER     NOT NULL DEFAULT 0,
    ran_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT daily_broadcast_runs_day_key UNIQUE (broadcast_id, day)
);

CREATE TABLE broadcast_subscriptions (
    student_id BIGINT      PRIMARY KEY REFERENCES students (id) ON DELETE CASCADE,
    subscribed BOOLEAN     NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
