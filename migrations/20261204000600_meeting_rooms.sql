-- Seed 002 会议室: rooms with their building, labels (多媒体, 大会议室, …), capacity and equipment.
-- A room is never deleted (reservations will point at it): DELETE archives it (is_active false).

CREATE TABLE meeting_rooms (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT        NOT NULL,
    location   TEXT        NOT NULL,
    labels     TEXT[]      NOT NULL DEFAULT '{}',
    capacity   INT         NOT NULL,
    equipment  TEXT        NOT NULL DEFAULT '',
    is_active  BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT meeting_rooms_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT meeting_rooms_location_length CHECK (char_length(location) BETWEEN 1 AND 100),
    CONSTRAINT meeting_rooms_capacity_range CHECK (capacity BETWEEN 1 AND 10000),
    CONSTRAINT meeting_rooms_labels_count CHECK (cardinality(labels) <= 20),
    CONSTRAINT meeting_rooms_equipment_length CHECK (char_length(equipment) <= 500)
);
CREATE UNIQUE INDEX meeting_rooms_location_name_key ON meeting_rooms (lower(location), lower(name));
CREATE INDEX meeting_rooms_labels ON meeting_rooms USING gin (labels);
