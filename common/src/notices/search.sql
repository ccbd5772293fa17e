-- Seed 004's notice search (`notices::search`, and `scripts/bench search` runs it as is):
-- notices whose title or body contains `$1` (a `lower(…)` LIKE pattern; trigram-indexed), of
-- category `$2`, seen by staff (`$3` true; `$4` a counselor, NULL all) or received by student `$5`;
-- `$6` the lowered term (relevance: a title match, then the title's trigram similarity), `$7` the
-- order (relevance, newest, hot), `$8` / `$9` the page. Reads and comments are counted for every
-- hit only when ordering by hot; otherwise for the page's rows alone.
WITH hits AS (
    SELECT n.id, n.title, n.category_id, n.urgency, n.sent_at,
           CASE WHEN $6::text IS NULL THEN 0 ELSE (lower(n.title) LIKE $1)::int + similarity(lower(n.title), $6) END AS relevance
      FROM notices n
     WHERE ($1::text IS NULL OR lower(n.title) LIKE $1 OR lower(n.body) LIKE $1)
       AND ($2::bigint IS NULL OR n.category_id = $2)
       AND (($3 AND ($4::bigint IS NULL OR n.counselor_id = $4))
            OR (NOT $3 AND EXISTS (SELECT 1 FROM notice_recipients r WHERE r.notice_id = n.id AND r.student_id = $5))))
, page AS (
    SELECT h.*,
           CASE WHEN $7 = 'hot' THEN
               ((SELECT count(*) FROM notice_recipients r WHERE r.notice_id = h.id AND r.read_at IS NOT NULL)
                + 3 * (SELECT count(*) FROM notice_comments m WHERE m.notice_id = h.id AND m.hidden_at IS NULL) + 1)
               / power(extract(epoch FROM now() - h.sent_at) / 3600 + 2, 1.5) END AS hot_key
      FROM hits h
     ORDER BY CASE $7 WHEN 'relevance' THEN h.relevance ELSE 0 END DESC, hot_key DESC NULLS LAST, h.sent_at DESC, h.id DESC
     LIMIT $8 OFFSET $9)
SELECT p.id AS "id!", p.title AS "title!", c.name AS "category!", p.urgency AS "urgency!: Urgency", p.sent_at AS "sent_at!",
       k.reads AS "reads!", k.comments AS "comments!",
       ((k.reads + 3 * k.comments + 1) / power(extract(epoch FROM now() - p.sent_at) / 3600 + 2, 1.5))::float8 AS "hot!"
  FROM page p
  JOIN notice_categories c ON c.id = p.category_id
 CROSS JOIN LATERAL (SELECT (SELECT count(*) FROM notice_recipients r WHERE r.notice_id = p.id AND r.read_at IS NOT NULL) AS reads,
                            (SELECT count(*) FROM notice_comments m WHERE m.notice_id = p.id AND m.hidden_at IS NULL) AS comments) k
 ORDER BY CASE $7 WHEN 'relevance' THEN p.relevance ELSE 0 END DESC, p.hot_key DESC NULLS LAST, p.sent_at DESC, p.id DESC
