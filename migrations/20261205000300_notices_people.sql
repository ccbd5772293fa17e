-- Seed 004 (issue 16), part 1: the people notices go to.
--
-- Counselors (辅导员, optionally tied to a user account with the `counselor` role, which is how
-- they sign in) look after classes; students belong to one class; groups (班干部, 学生会, 协会…)
-- hold students with a role each. A counselor sees only the classes they look after, their
-- students, and the groups they own. A group is never deleted because it became empty (the
-- prototype's FIXME): only a request deletes it.

CREATE TABLE counselors (
    id         BIGSERIAL   PRIMARY KEY,
    user_id    BIGINT      CONSTRAINT counselors_user_key UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    name       TEXT        NOT NULL,
    phone      TEXT,
    email      TEXT,
    office     TEXT        NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE school_classes (
    id           BIGSERIAL   PRIMARY KEY,
    name         TEXT        NOT NULL CONSTRAINT school_classes_name_key UNIQUE,
    grade        TEXT        NOT NULL DEFAULT '',
    major        TEXT        NOT NULL DEFAULT '',
    counselor_id BIGINT      REFERENCES counselors (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX school_classes_counselor ON school_classes (counselor_id);

CREATE TABLE students (
    id         BIGSERIAL   PRIMARY KEY,
    student_no TEXT        NOT NULL CONSTRAINT students_student_no_key UNIQUE,
    name       TEXT        NOT NULL,
    class_id   BIGINT      NOT NULL REFERENCES school_classes (id),
    grade      TEXT        NOT NULL DEFAULT '',
    major      TEXT        NOT NULL DEFAULT '',
    phone      TEXT        CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX students_class ON students (class_id, student_no);

CREATE TABLE student_groups (
    id           BIGSERIAL   PRIMARY KEY,
    name         TEXT        NOT NULL CONSTRAINT student_groups_name_key UNIQUE,
    kind         TEXT        NOT NULL DEFAULT '',
    description  TEXT        NOT NULL DEFAULT '',
    -- The counselor who manages it; NULL: the school's (admins').
    counselor_id BIGINT      REFERENCES counselors (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE student_group_members (
    group_id   BIGINT      NOT NULL REFERENCES student_groups (id) ON DELETE CASCADE,
    student_id BIGINT      NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    role       TEXT        NOT NULL DEFAULT '',
    added_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, student_id)
);
CREATE INDEX student_group_members_student ON student_group_members (student_id);
