-- no-transaction
-- A send row is updated twice on its way out (claimed, then sent). Those updates can stay on the
-- row's page without touching any index (HOT) only when no indexed column, including a partial
-- index's predicate, changes. The partial index of pending sends (`status` in its predicate) is
-- replaced by a plain index on `user_id`, which serves the code exchange's wake-up as well (a
-- user's sends, filtered on status) and the cascade from `users`: built first, without blocking
-- writes (one statement per migration: CONCURRENTLY runs outside a transaction).
CREATE INDEX CONCURRENTLY IF NOT EXISTS subscribe_sends_user ON subscribe_sends (user_id);
