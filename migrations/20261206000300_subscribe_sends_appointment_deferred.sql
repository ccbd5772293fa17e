-- A booking plans its subscribe message before it takes the schedule's row lock (its appointment's
-- id is drawn first), so the send row names an appointment that the same transaction inserts a
-- statement later: the foreign key is checked at COMMIT.
ALTER TABLE subscribe_sends ALTER CONSTRAINT subscribe_sends_appointment_id_fkey DEFERRABLE INITIALLY DEFERRED;
