-- Seed 004 (issue 17): meeting check-in (会议签到) and its statistics (签到统计).
--
-- A counselor (or an admin) calls a meeting for some of their classes; the students of those
-- classes are frozen into the attendee list when the meeting is created (with the class they
-- were in), so the statistics never drift when students move. A student checks in by scanning
-- the meeting's rotating QR code (seed 002's check-in token under the meeting context) inside
-- the check-in window; checking in sets `checked_in_at` once (a repeated scan changes nothing).

CREATE TABLE school_meetings (
    id                BIGSERIAL   PRIMARY KEY,
    title             TEXT        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    place             TEXT        NOT NULL DEFAULT '' CHECK (char_length(place) <= 100),
    starts_at         TIMESTAMPTZ NOT NULL,
    ends_at           TIMESTAMPTZ NOT NULL,
    checkin_opens_at  TIMESTAMPTZ NOT NULL,
    checkin_closes_at TIMESTAMPTZ NOT NULL,
    -- The counselor whose meeting it is; NULL: the school's (an admin's), seen by admins only.
    counselor_id      BIGINT      REFERENCES counselors (id) ON DELETE SET NULL,
    created_by        BIGINT      NOT NULL REFERENCES users (id),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (starts_at < ends_at),
    CHECK (checkin_opens_at < checkin_closes_at)
);
CREATE INDEX school_meetings_counselor ON school_meetings (counselor_id, starts_at DESC);

CREATE TABLE school_meeting_attendees (
    meeting_id    BIGINT      NOT NULL REFERENCES school_meetings (id) ON DELETE CASCADE,
    student_id    BIGINT      NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    -- The class the student was in when the meeting was called, and its name then.
    class_id      BIGINT      NOT NULL,
    class_name    TEXT        NOT NULL,
    checked_in_at TIMESTAMPTZ,
    PRIMARY KEY (meeting_id, student_id)
);
CREATE INDEX school_meeting_attendees_student ON school_meeting_attendees (student_id);
