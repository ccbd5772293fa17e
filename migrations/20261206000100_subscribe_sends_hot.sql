-- A send row is updated twice on its way out (claimed, then sent). Those updates can stay on the
-- row's page without touching any index (HOT) when no indexed column, including a partial index's
-- predicate, changes and the page has room. The partial index on pending sends had `status` in its
-- predicate, so both updates wrote new entries into every index of the table; a plain index on
-- `user_id` serves the code exchange's wake-up as well (a user's sends, filtered on status) and
-- the cascade from `users`. Pages are left 30 % free for the updated versions.
DROP INDEX subscribe_sends_user_pending;
CREATE INDEX subscribe_sends_user ON subscribe_sends (user_id);
ALTER TABLE subscribe_sends SET (fillfactor = 70);
