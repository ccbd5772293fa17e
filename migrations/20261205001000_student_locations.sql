-- Seed 004 获取用户地理位置 (issue 17): a student's last known position, from the Official Account's
-- LOCATION event (or a location message), kept only for students who opted in, only the newest,
-- and only for `LOCATION_RETENTION` (the scheduler prunes older rows; readers never show them).
-- Opting out deletes the position at once. Shown to the counselor of the student's class only.
CREATE TABLE student_location_consents (
    student_id BIGINT      PRIMARY KEY REFERENCES students (id) ON DELETE CASCADE,
    granted_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE student_locations (
    student_id  BIGINT           PRIMARY KEY REFERENCES student_location_consents (student_id) ON DELETE CASCADE,
    latitude    DOUBLE PRECISION NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude   DOUBLE PRECISION NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    -- Metres, as WeChat reports it (events only).
    precision_m DOUBLE PRECISION CHECK (precision_m >= 0),
    -- The place name of a location message ('' for events).
    label       TEXT             NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    source      TEXT             NOT NULL CHECK (source IN ('event', 'message')),
    reported_at TIMESTAMPTZ      NOT NULL DEFAULT now()
);
CREATE INDEX student_locations_reported ON student_locations (reported_at);
