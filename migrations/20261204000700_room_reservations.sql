-- Seed 002 预约: a room's reservations. The exclusion constraint refuses two live reservations of
-- one room whose periods overlap, whatever the code above it does (the single-consumer queue
-- decides requests; this is the last word).

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE room_reservations (
    id          BIGSERIAL PRIMARY KEY,
    room_id     BIGINT      NOT NULL REFERENCES meeting_rooms (id),
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    period      TSTZRANGE   NOT NULL,
    description TEXT        NOT NULL DEFAULT '',
    status      TEXT        NOT NULL DEFAULT 'confirmed',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT room_reservations_status_known CHECK (status IN ('confirmed', 'cancelled')),
    CONSTRAINT room_reservations_period_bounded CHECK (NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)),
    CONSTRAINT room_reservations_description_length CHECK (char_length(description) <= 500),
    CONSTRAINT room_reservations_no_overlap EXCLUDE USING gist (room_id WITH =, period WITH &&) WHERE (status = 'confirmed')
);
CREATE INDEX room_reservations_user ON room_reservations (user_id, lower(period));
