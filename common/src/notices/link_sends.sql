-- Links each recipient of notice $1 without a message yet to the one `plan_sends.sql` planned
-- under key `<$2>:<student>` (a template or a customer-service message), in one statement. Each
-- link is an index lookup by key (a correlated subquery), so the plan cannot turn into a loop over
-- every pair, whatever the planner believes of the rows this transaction just froze. (Linking in
-- `plan_sends.sql` through its own CTEs let the prepared statement's plan loop 10,000 × 7,000
-- times: 23 s for 7,000 messages.)
--   $1 the notice, $2 the key prefix
UPDATE notice_recipients r
   SET template_send_id = (SELECT t.id FROM template_sends t WHERE t.idempotency_key = $2 || ':' || r.student_id),
       custom_send_id = (SELECT c.id FROM custom_sends c WHERE c.idempotency_key = $2 || ':' || r.student_id)
 WHERE r.notice_id = $1 AND r.delivery = 'wechat' AND r.mass_send_id IS NULL
   AND r.template_send_id IS NULL AND r.custom_send_id IS NULL
