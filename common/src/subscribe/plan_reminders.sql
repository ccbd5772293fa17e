-- Plans the visit reminders of one batch of a day's appointments in one statement
-- (`reminders::plan_reminder_batch`): the next `$3` active appointments of day `$1` after id `$2`,
-- each planned as `plan_send.sql` plans one message (a grant spent, the send-log row, the outbox
-- row), skipping those planned before (their key exists), so a second firing plans nothing.
-- The sends go out in chunks: one `send_subscribe_batch` job per `$12` sends, in send id order;
-- a user waiting for a code exchange gets a `send_subscribe_message` job each, due later (the
-- exchange's completion starts it sooner, as `plan_send.sql` arranges).
--   $1 the visit date, $2 the last appointment id of the previous batch (0 at first), $3 the
--   batch size, $4 the reminder's template, $5 its kind ('visit_reminder'), $6 its occasion
--   ('reminder:<date>'), $7 the job's queue, $8 the job's kind, $9 how long a job waits for a
--   pending code exchange (seconds), $10 how old a pending exchange may be and still count (seconds),
--   $11 the chunk job's kind, $12 sends per chunk
-- The idempotency key is `plan::send_key`'s: `<kind>:appointment:<id>:<occasion>`.
WITH batch AS (
    SELECT a.id, a.user_id FROM appointments a JOIN schedules s ON s.id = a.schedule_id
     WHERE s.date = $1 AND a.status IN ('pending', 'confirmed') AND a.id > $2
     ORDER BY a.id LIMIT $3
), todo AS (
    -- A user with several appointments spends one grant on each, oldest grant first (`k` pairs them).
    -- Planned before: one probe of the key's index per appointment (as a NOT EXISTS the planner
    -- may hash the whole send log instead, which grows with every batch and every day).
    SELECT b.id, b.user_id, key, row_number() OVER (PARTITION BY b.user_id ORDER BY b.id) AS k
      FROM batch b, LATERAL (SELECT $5 || ':appointment:' || b.id || ':' || $6 AS key) keys
      LEFT JOIN LATERAL (SELECT true AS found FROM subscribe_sends s WHERE s.idempotency_key = keys.key LIMIT 1) planned ON true
     WHERE planned.found IS NULL
), grants AS (
    -- Each user's oldest unspent grants, as many as the batch has appointments of theirs (no more
    -- are locked: a user may hold many).
    SELECT g.id, g.user_id, row_number() OVER (PARTITION BY g.user_id ORDER BY g.id) AS k
      FROM (SELECT user_id, count(*) AS n FROM todo GROUP BY user_id) need,
           LATERAL (SELECT id, user_id FROM subscribe_grants
                     WHERE user_id = need.user_id AND template_id = $4 AND decision = 'accept' AND spent_at IS NULL
                     ORDER BY id LIMIT need.n FOR UPDATE SKIP LOCKED) g
), send AS (
    -- A concurrent planning of the same key (a late booking's reminder) is waited for; its send stands.
    INSERT INTO subscribe_sends (idempotency_key, kind, user_id, appointment_id, template_id, grant_id)
    SELECT t.key, $5, t.user_id, t.id, $4, g.id FROM todo t JOIN grants g ON g.user_id = t.user_id AND g.k = t.k
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, grant_id, user_id
), spent AS (
    UPDATE subscribe_grants g SET spent_at = now(), send_id = send.id FROM send WHERE g.id = send.grant_id
), awaiting AS (
    -- Users without an openid whose code exchange is pending (locked, as `plan_send.sql` does).
    SELECT DISTINCT p.user_id FROM (
        SELECT e.user_id FROM wx_code_exchanges e
         WHERE e.user_id IN (SELECT user_id FROM send) AND e.status = 'pending' AND e.created_at > now() - make_interval(secs => $10)
           FOR SHARE) p
     WHERE NOT EXISTS (SELECT 1 FROM wechat_identities w WHERE w.user_id = p.user_id)
), job AS (
    INSERT INTO outbox (queue, kind, payload, idempotency_key, run_at)
    SELECT $7, $8, jsonb_build_object('sendId', send.id), 'subscribe_send:' || send.id, clock_timestamp() + make_interval(secs => $9)
      FROM send WHERE send.user_id IN (SELECT user_id FROM awaiting)
    UNION ALL
    SELECT $7, $11, jsonb_build_object('sendIds', jsonb_agg(c.id ORDER BY c.id)), 'subscribe_send_batch:' || min(c.id), clock_timestamp()
      FROM (SELECT send.id, (row_number() OVER (ORDER BY send.id) - 1) / $12 AS chunk
              FROM send WHERE send.user_id NOT IN (SELECT user_id FROM awaiting)) c
     GROUP BY c.chunk
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id
)
SELECT (SELECT count(*) FROM batch) AS "seen!", (SELECT max(id) FROM batch) AS "last_id?", (SELECT count(*) FROM send) AS "planned!",
       ARRAY(SELECT id FROM job) AS "outbox_ids!"
