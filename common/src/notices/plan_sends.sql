-- Plans the messages of a notice (or of its reminder) in one statement (`send::plan_sends`), one
-- per `wechat` recipient of notice $1 whose binding is active now (only the unread ones when $3: a
-- reminder; a notice's own recipients reached by a mass send are left out), keyed
-- `<$2>:<student>`: a customer-service message (`custom_sends`, text $9, falling back to the
-- template message under the same key) when the recipient's last interaction is within the window
-- ($10 seconds; 0: never), else a template message (`template_sends`); an outbox row for each new
-- one (`send_template_message` / `send_custom_message`, key `template_send:<id>` /
-- `custom_send:<id>`). A key planned before is skipped (its message stands), so planning twice
-- plans nothing. The recipients are linked to their messages by `link_sends.sql`, by key.
--   $1 the notice, $2 the key prefix, $3 unread only, $4 the template, $5 the page URL, $6 the
--   template data, $7 the jobs' queue, $8 the template job's kind, $9 the customer-service text,
--   $10 the window (seconds), $11 the customer-service job's kind
WITH target AS MATERIALIZED (
    SELECT b.openid, $2 || ':' || r.student_id AS key,
           $10::float8 > 0 AND i.last_at > now() - make_interval(secs => $10::float8) AS custom
      FROM notice_recipients r
      JOIN student_bindings b ON b.student_id = r.student_id AND b.active
      LEFT JOIN wechat_interactions i ON i.openid = b.openid
     WHERE r.notice_id = $1 AND r.delivery = 'wechat' AND (CASE WHEN $3 THEN r.read_at IS NULL ELSE r.mass_send_id IS NULL END)
     ORDER BY r.id
), template AS (
    INSERT INTO template_sends (idempotency_key, openid, template_id, url, data)
    SELECT t.key, t.openid, $4, $5, $6 FROM target t WHERE NOT t.custom
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
), custom AS (
    INSERT INTO custom_sends (idempotency_key, openid, content, fallback_key, fallback)
    SELECT t.key, t.openid, $9, t.key, jsonb_build_object('templateId', $4::text, 'url', $5::text, 'data', $6::jsonb)
      FROM target t WHERE t.custom
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
), job AS (
    INSERT INTO outbox (queue, kind, payload, idempotency_key)
    SELECT $7, k.kind, jsonb_build_object('sendId', k.id), k.key
      FROM (SELECT $8 AS kind, id, 'template_send:' || id AS key FROM template
            UNION ALL
            SELECT $11, id, 'custom_send:' || id FROM custom) k
     ORDER BY k.kind, k.id
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id
)
SELECT ARRAY(SELECT id FROM job ORDER BY id) AS "outbox_ids!"
