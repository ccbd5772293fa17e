-- Seed 004 (issue 17): searching notices by a part of their title or body, Chinese included
-- (pg_trgm's trigrams are taken over characters, so they index Chinese text without a word
-- segmenter; a query of one or two characters is answered by a scan).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX notices_title_trgm ON notices USING gin (lower(title) gin_trgm_ops);
CREATE INDEX notices_body_trgm ON notices USING gin (lower(body) gin_trgm_ops);
