-- Plans the template messages of a notice (or of its reminder) in one statement
-- (`send::plan_sends`): one `template_sends` row per `wechat` recipient of notice $1 whose binding
-- is active now (only the unread ones when $3: a reminder), keyed `<$2>:<student>`; an outbox row
-- (`send_template_message`, key `template_send:<id>`) for each new one; a recipient without a
-- send yet remembers this one. A key planned before is skipped (its send stands), so planning
-- twice plans nothing. Each target takes its send id from the sequence first, so the rows are
-- linked by that id (no join on the keys).
--   $1 the notice, $2 the key prefix, $3 unread only, $4 the template, $5 the page URL, $6 the
--   template data, $7 the job's queue, $8 the job's kind
WITH target AS MATERIALIZED (
    SELECT r.id AS recipient_id, b.openid, $2 || ':' || r.student_id AS key,
           nextval(pg_get_serial_sequence('template_sends', 'id')) AS send_id
      FROM notice_recipients r JOIN student_bindings b ON b.student_id = r.student_id AND b.active
     WHERE r.notice_id = $1 AND r.delivery = 'wechat' AND (NOT $3 OR r.read_at IS NULL)
), send AS (
    INSERT INTO template_sends (id, idempotency_key, openid, template_id, url, data)
    SELECT t.send_id, t.key, t.openid, $4, $5, $6 FROM target t ORDER BY t.send_id
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
), job AS (
    INSERT INTO outbox (queue, kind, payload, idempotency_key)
    SELECT $7, $8, jsonb_build_object('sendId', s.id), 'template_send:' || s.id FROM send s ORDER BY s.id
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id
), linked AS (
    UPDATE notice_recipients r SET template_send_id = t.send_id
      FROM target t
     WHERE r.id = t.recipient_id AND r.template_send_id IS NULL AND t.send_id IN (SELECT id FROM send)
)
SELECT ARRAY(SELECT id FROM job ORDER BY id) AS "outbox_ids!"
