-- The transactional outbox: a handler writes its domain rows and one row here per job in the
-- same transaction; after commit the rows are pushed to Redis, and a relay pushes any left over.

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    queue           TEXT        NOT NULL,
    kind            TEXT        NOT NULL,
    payload         JSONB       NOT NULL,
    idempotency_key TEXT,
    run_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    pushed_at       TIMESTAMPTZ,
    push_attempts   INTEGER     NOT NULL DEFAULT 0,
    last_error      TEXT,
    CONSTRAINT outbox_idempotency_key_length CHECK (char_length(idempotency_key) <= 200)
);

CREATE UNIQUE INDEX outbox_idempotency_key ON outbox (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX outbox_unpushed ON outbox (id) WHERE pushed_at IS NULL;
CREATE INDEX outbox_pushed_at ON outbox (pushed_at) WHERE pushed_at IS NOT NULL;
