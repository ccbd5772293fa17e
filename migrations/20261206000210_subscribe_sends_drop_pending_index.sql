-- no-transaction
-- The partial index of pending sends goes once its replacement exists (see the migration before).
DROP INDEX CONCURRENTLY IF EXISTS subscribe_sends_user_pending;
