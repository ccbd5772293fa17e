-- Loss of Redis data loses no committed work (issue 10, items 5-7).
--
-- An outbox row now stays "open" after it is pushed, until the relay's reconciliation sweep sees
-- its job's effect recorded in Redis (done or dead): `settled_at`. A pushed row whose job Redis no
-- longer knows (restart without persistence, failover to a lagging replica, eviction) is pushed
-- again with the same envelope id. Retention counts from `settled_at`.
ALTER TABLE outbox ADD COLUMN settled_at TIMESTAMPTZ;
-- A row that cannot be pushed (e.g. a queue this build does not know) waits until then, so it
-- never blocks the rows behind it.
ALTER TABLE outbox ADD COLUMN next_push_at TIMESTAMPTZ;

-- Rows pushed before this migration were already treated as finished; the ones recent enough for
-- Redis to still remember them (the queue's 7-day de-duplication marker) are checked by the sweep.
UPDATE outbox SET settled_at = pushed_at WHERE pushed_at < now() - INTERVAL '7 days';

CREATE INDEX outbox_unsettled ON outbox (id) WHERE pushed_at IS NOT NULL AND settled_at IS NULL;
CREATE INDEX outbox_settled_at ON outbox (settled_at) WHERE settled_at IS NOT NULL;
DROP INDEX IF EXISTS outbox_pushed_at;

-- Fencing enforced where the write happens: a single consumer's effect claims its resource's row
-- in the same transaction (`UPDATE fences SET fence = $token WHERE fence <= $token`), so a holder
-- whose lease passed to a newer token is refused by PostgreSQL itself. The row also seeds the
-- lease's token counter after Redis lost it, so tokens never go back.
CREATE TABLE fences (
    resource   TEXT        PRIMARY KEY,
    fence      BIGINT      NOT NULL CHECK (fence > 0),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
