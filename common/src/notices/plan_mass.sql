-- Plans the mass sends of a large notice in one statement (`mass::plan`): one per tag of the
-- audience (everyone: every class the author sees; classes; groups) that WeChat has created,
-- reaching the notice's `wechat` recipients whose active binding's openid the tag carries (each
-- recipient by one tag: the first); the recipients remember it, and each send gets its
-- `send_notice_mass` job (key `notice_mass:<id>`). Recipients no tag reaches are left to
-- `plan_sends.sql`.
--   $1 the notice, $2 the author's counselor (NULL: an admin), $3 the audience kind, $4 its
--   classes, $5 its groups, $6 the format, $7 the text or the article's body, $8 the article,
--   $9 the job's queue, $10 the job's kind
WITH tags AS MATERIALIZED (
    SELECT t.id, t.wechat_tag_id, t.name FROM notice_tags t
     WHERE t.wechat_tag_id IS NOT NULL
       AND CASE $3::text
             WHEN 'everyone' THEN t.class_id IN (SELECT k.id FROM school_classes k WHERE $2::bigint IS NULL OR k.counselor_id = $2)
             WHEN 'classes' THEN t.class_id = ANY($4::bigint[])
             WHEN 'groups' THEN t.group_id = ANY($5::bigint[])
             ELSE false END
), reached AS MATERIALIZED (
    SELECT DISTINCT ON (r.id) r.id AS recipient_id, g.id AS tag_id
      FROM notice_recipients r
      JOIN student_bindings b ON b.student_id = r.student_id AND b.active
      JOIN notice_tag_members tm ON tm.openid = b.openid
      JOIN tags g ON g.id = tm.tag_id
     WHERE r.notice_id = $1 AND r.delivery = 'wechat'
     ORDER BY r.id, g.id
), mass AS (
    INSERT INTO notice_mass_sends (notice_id, tag_id, wechat_tag_id, tag_name, format, content, article, recipients)
    SELECT $1, g.id, g.wechat_tag_id, g.name, $6, $7, $8, count(*)
      FROM tags g JOIN reached x ON x.tag_id = g.id
     GROUP BY g.id, g.wechat_tag_id, g.name
     ORDER BY g.id
    RETURNING id, tag_id
), linked AS (
    UPDATE notice_recipients r SET mass_send_id = m.id
      FROM reached x JOIN mass m ON m.tag_id = x.tag_id
     WHERE r.id = x.recipient_id
), job AS (
    INSERT INTO outbox (queue, kind, payload, idempotency_key)
    SELECT $9, $10, jsonb_build_object('massId', m.id), 'notice_mass:' || m.id FROM mass m ORDER BY m.id
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id
)
SELECT ARRAY(SELECT id FROM job ORDER BY id) AS "outbox_ids!", (SELECT count(*) FROM reached) AS "reached!"
