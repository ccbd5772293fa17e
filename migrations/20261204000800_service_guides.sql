-- Seed 002 服务指南: the college's forms, rules and guides, uploaded by admins into object storage,
-- listed by category, searched by title, downloaded or mailed to oneself.
--
-- The category is a name on the guide, not a table: the seed only files guides under names
-- (分类归档), nothing else hangs off a category, and the names in use are the distinct values
-- (`GET /guides/categories/`). The file is a `stored_files` row (its key, sniffed type and size,
-- the uploader as owner); the guide keeps the name it was uploaded under for downloads and mail.
CREATE TABLE guides (
    id          BIGSERIAL   PRIMARY KEY,
    title       TEXT        NOT NULL,
    category    TEXT        NOT NULL,
    file_id     TEXT        NOT NULL UNIQUE REFERENCES stored_files (id),
    filename    TEXT        NOT NULL,
    uploader_id BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT guides_title_length CHECK (char_length(title) BETWEEN 1 AND 200),
    CONSTRAINT guides_category_length CHECK (char_length(category) BETWEEN 1 AND 50),
    CONSTRAINT guides_filename_length CHECK (char_length(filename) BETWEEN 1 AND 255)
);
-- `search` is a case-insensitive substring of the title (the query uses this expression).
CREATE INDEX guides_title_search ON guides USING gin (lower(title) gin_trgm_ops);
CREATE INDEX guides_category ON guides (category, id DESC);
