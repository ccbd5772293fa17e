-- Plans one subscribe message in one round trip (`plan::plan_send`): spends the user's oldest
-- unspent grant of the template, writes the send-log row under the message's idempotency key and
-- the outbox row of the job that will deliver it.
--   $1 idempotency key, $2 kind, $3 user id, $4 appointment id, $5 waitlist entry id,
--   $6 reservation id, $7 template id, $8 the job's queue, $9 the job's kind,
--   $10 how long a job waits for a pending code exchange (seconds), $11 how old a pending
--   exchange may be and still count (seconds)
-- No row when the user holds no grant, or when a send with the key exists: a transaction planning
-- the same key concurrently (the 20:00 planning and a late booking) is waited for by the
-- unique index, and its send stands (`ON CONFLICT DO NOTHING`); the grant is then left unspent.
WITH grant_row AS (
    SELECT id FROM subscribe_grants
     WHERE user_id = $3 AND template_id = $7 AND decision = 'accept' AND spent_at IS NULL
     ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
), send AS (
    INSERT INTO subscribe_sends (idempotency_key, kind, user_id, appointment_id, waitlist_entry_id, reservation_id, template_id, grant_id)
    SELECT $1, $2, $3, $4, $5, $6, $7, grant_row.id FROM grant_row
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, grant_id
), spent AS (
    UPDATE subscribe_grants g SET spent_at = now(), send_id = send.id FROM send WHERE g.id = send.grant_id
), pending_exchanges AS (
    -- Locked (as `exchanges::exchange_pending` does): an exchange finishing right now is waited
    -- for, and one still pending will see this send when it finishes and start it.
    SELECT count(*) AS n FROM (
        SELECT id FROM wx_code_exchanges
         WHERE user_id = $3 AND status = 'pending' AND created_at > now() - make_interval(secs => $11)
           FOR SHARE) locked
), job AS (
    -- While the user has no openid and an exchange may bring one, the exchange's completion
    -- starts the send: the job is only the fallback, due later.
    INSERT INTO outbox (queue, kind, payload, idempotency_key, run_at)
    SELECT $8, $9, jsonb_build_object('sendId', send.id), 'subscribe_send:' || send.id,
           CASE WHEN NOT EXISTS (SELECT 1 FROM wechat_identities WHERE user_id = $3) AND (SELECT n FROM pending_exchanges) > 0
                THEN clock_timestamp() + make_interval(secs => $10) ELSE clock_timestamp() END
      FROM send
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id
)
SELECT send.id AS "send_id!", (SELECT id FROM job) AS "outbox_id?" FROM send
