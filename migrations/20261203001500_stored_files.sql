-- Object storage (issue 12). Every object we hand out is a row here: the key is ours (never from
-- a client), the type is the one sniffed from the first bytes. `id` is random (32 hex digits), so
-- a file's URL cannot be guessed from another's. `public` files (avatars) are served to anyone;
-- the rest to their owner and to staff and admins.
CREATE TABLE stored_files (
    id           TEXT        PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
    owner_id     BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    key          TEXT        NOT NULL UNIQUE,
    content_type TEXT        NOT NULL,
    size         BIGINT      NOT NULL CHECK (size >= 0),
    public       BOOLEAN     NOT NULL DEFAULT false,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX stored_files_owner ON stored_files (owner_id, created_at);

-- Avatars fetched from a URL and stored (seed 003: 头像数据需在云端落地，并返回可直接访问的url).
-- A `store_avatar` job claims its row (`pending -> fetching`) before fetching and writes the file
-- on success (`stored`); a failure that may pass gives the claim back, one that cannot ends
-- `failed`. A job delivered again after `stored` finds nothing to do.
CREATE TABLE avatar_fetches (
    id              BIGSERIAL   PRIMARY KEY,
    idempotency_key TEXT        NOT NULL UNIQUE,
    source_url      TEXT        NOT NULL CHECK (source_url ~ '^https?://'),
    status          TEXT        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'fetching', 'stored', 'failed')),
    attempts        INTEGER     NOT NULL DEFAULT 0,
    error           TEXT,
    claimed_at      TIMESTAMPTZ,
    file_id         TEXT        REFERENCES stored_files (id),
    url             TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    stored_at       TIMESTAMPTZ,
    CHECK ((status = 'stored') = (file_id IS NOT NULL AND url IS NOT NULL))
);
