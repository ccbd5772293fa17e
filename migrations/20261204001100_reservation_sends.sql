-- Seed 002's reservation notices (confirmed, changed, cancelled) go out as subscribe messages
-- when the owner holds a grant and a Mini Program openid; the send log names the reservation.
ALTER TABLE subscribe_sends ADD COLUMN reservation_id BIGINT REFERENCES room_reservations (id) ON DELETE CASCADE;
CREATE INDEX subscribe_sends_reservation ON subscribe_sends (reservation_id) WHERE reservation_id IS NOT NULL;
