-- Seed 002 预约申请: a request to reserve a room, decided by the single-consumer `reservations`
-- queue. The API writes the request and its `decide_reservation` job in one transaction and waits
-- (up to a bound) for the decision, which the handler announces with NOTIFY reservation_decided.
-- A refused request keeps the conflicting period it lost to.

CREATE TABLE reservation_requests (
    id             BIGSERIAL PRIMARY KEY,
    user_id        BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id        BIGINT      NOT NULL REFERENCES meeting_rooms (id),
    period         TSTZRANGE   NOT NULL,
    description    TEXT        NOT NULL DEFAULT '',
    status         TEXT        NOT NULL DEFAULT 'pending',
    reservation_id BIGINT      REFERENCES room_reservations (id),
    refusal        TEXT,
    conflict       TSTZRANGE,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_at     TIMESTAMPTZ,
    CONSTRAINT reservation_requests_status_known CHECK (status IN ('pending', 'accepted', 'refused')),
    CONSTRAINT reservation_requests_refusal_known CHECK (refusal IN ('room_taken', 'room_unavailable')),
    CONSTRAINT reservation_requests_decided CHECK (
        (status = 'pending' AND reservation_id IS NULL AND refusal IS NULL AND decided_at IS NULL)
        OR (status = 'accepted' AND reservation_id IS NOT NULL AND refusal IS NULL AND decided_at IS NOT NULL)
        OR (status = 'refused' AND reservation_id IS NULL AND refusal IS NOT NULL AND decided_at IS NOT NULL)),
    CONSTRAINT reservation_requests_description_length CHECK (char_length(description) <= 500)
);
CREATE INDEX reservation_requests_user ON reservation_requests (user_id, id);

-- How many times an admin changed a reservation (each change's notice is keyed by it).
ALTER TABLE room_reservations
    ADD COLUMN changes     INTEGER     NOT NULL DEFAULT 0,
    ADD COLUMN updated_at  TIMESTAMPTZ NOT NULL DEFAULT now();
