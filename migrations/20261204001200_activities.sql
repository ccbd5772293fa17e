-- Seed 002 活动: activities with the enrollment form admins design, enrollments (报名), check-in
-- items (打卡项, e.g. 签到 and 签退), check-in operators (打卡员) and check-ins (打卡).
--
-- The form is a JSONB array on the activity (ordered fields `{id, kind, label, help, required,
-- min, max, options}`), read and replaced whole; `common/src/college/activities/mod.rs` says why.

CREATE TABLE activities (
    id            BIGSERIAL PRIMARY KEY,
    title         TEXT        NOT NULL,
    description   TEXT        NOT NULL DEFAULT '',
    place         TEXT        NOT NULL DEFAULT '',
    starts_at     TIMESTAMPTZ NOT NULL,
    ends_at       TIMESTAMPTZ NOT NULL,
    -- NULL: no limit. `enrolled` counts live enrollments; the statements that enroll and cancel
    -- keep it in the same transaction, so the CHECK is what refuses the 51st of 50 places.
    capacity      INTEGER,
    enrolled      INTEGER     NOT NULL DEFAULT 0,
    enroll_from   TIMESTAMPTZ NOT NULL,
    enroll_until  TIMESTAMPTZ NOT NULL,
    cover_file_id TEXT        REFERENCES stored_files (id) ON DELETE SET NULL,
    form          JSONB       NOT NULL DEFAULT '[]',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT activities_title_length CHECK (char_length(title) BETWEEN 1 AND 200),
    CONSTRAINT activities_description_length CHECK (char_length(description) <= 20000),
    CONSTRAINT activities_place_length CHECK (char_length(place) <= 200),
    CONSTRAINT activities_period CHECK (ends_at > starts_at),
    CONSTRAINT activities_enroll_window CHECK (enroll_until > enroll_from),
    CONSTRAINT activities_capacity_positive CHECK (capacity IS NULL OR capacity >= 1),
    CONSTRAINT activities_enrolled_within_capacity CHECK (enrolled >= 0 AND (capacity IS NULL OR enrolled <= capacity)),
    CONSTRAINT activities_form_is_list CHECK (jsonb_typeof(form) = 'array' AND jsonb_array_length(form) <= 100)
);
CREATE INDEX activities_newest ON activities (starts_at DESC, id DESC);

-- One live enrollment per user and activity; a cancelled one stays as a record.
CREATE TABLE activity_enrollments (
    id           BIGSERIAL PRIMARY KEY,
    activity_id  BIGINT      NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    answers      JSONB       NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    cancelled_at TIMESTAMPTZ,
    CONSTRAINT activity_enrollments_answers_object CHECK (jsonb_typeof(answers) = 'object'),
    CONSTRAINT activity_enrollments_cancelled_after CHECK (cancelled_at IS NULL OR cancelled_at >= created_at)
);
CREATE UNIQUE INDEX activity_enrollments_live_key ON activity_enrollments (activity_id, user_id) WHERE cancelled_at IS NULL;
-- 报名记录: an activity's live enrollments, newest first.
CREATE INDEX activity_enrollments_newest ON activity_enrollments (activity_id, created_at DESC, id DESC) WHERE cancelled_at IS NULL;
CREATE INDEX activity_enrollments_user ON activity_enrollments (user_id, id DESC);

-- 打卡项. Labels are the words of the enrollment-record filter (`filter/`): no whitespace (the
-- filter ignores it) and no parentheses (the filter's grouping); the filter's connectives may
-- appear inside a label, since labels are matched before them, longest first.
CREATE TABLE activity_clockin_items (
    id          BIGSERIAL PRIMARY KEY,
    activity_id BIGINT      NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    label       TEXT        NOT NULL,
    opens_at    TIMESTAMPTZ NOT NULL,
    closes_at   TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT activity_clockin_items_label_key UNIQUE (activity_id, label),
    -- The target of the check-ins' foreign key, which keeps an item and its activity together.
    CONSTRAINT activity_clockin_items_of_activity UNIQUE (id, activity_id),
    CONSTRAINT activity_clockin_items_label_length CHECK (char_length(label) BETWEEN 1 AND 20),
    CONSTRAINT activity_clockin_items_label_words CHECK (label !~ '[[:space:]()（）　]'),
    CONSTRAINT activity_clockin_items_window CHECK (closes_at > opens_at)
);

-- 打卡员: who may open an activity's QR display besides admins.
CREATE TABLE activity_operators (
    activity_id BIGINT      NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (activity_id, user_id)
);
CREATE INDEX activity_operators_user ON activity_operators (user_id);

-- One check-in per user and item: a replayed scan finds the row there. The check-in belongs to
-- the authenticated user, never to anything in the scanned token.
CREATE TABLE activity_clockins (
    id          BIGSERIAL PRIMARY KEY,
    activity_id BIGINT      NOT NULL,
    item_id     BIGINT      NOT NULL,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT activity_clockins_once UNIQUE (item_id, user_id),
    CONSTRAINT activity_clockins_item_of_activity FOREIGN KEY (item_id, activity_id)
        REFERENCES activity_clockin_items (id, activity_id) ON DELETE CASCADE
);
CREATE INDEX activity_clockins_user ON activity_clockins (user_id, activity_id, created_at);
