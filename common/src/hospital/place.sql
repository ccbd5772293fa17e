-- Takes one place on a schedule and writes its appointment, in one round trip (`booking::place`).
-- The caller holds the schedule's row lock (`open_schedule`), taken in an earlier statement, so
-- this statement's snapshot already sees every booking of the schedule that committed before.
--   $1 schedule id, $2 patient id, $3 user id, $4 symptoms, $5 source ('booking' or 'waitlist'),
--   $6 today's date in the service time zone, 'YYYYMMDD' (for the order number)
-- One row always: `already_booked` (the patient holds an active appointment of the schedule;
-- nothing written), else the appointment, or no appointment when the schedule is full.
WITH active AS (
    -- The patient's appointment on this schedule, if one is active: no second place.
    SELECT EXISTS (SELECT 1 FROM appointments WHERE schedule_id = $1 AND patient_id = $2 AND status <> 'cancelled') AS taken
), place AS (
    -- The counter is where capacity is taken (CHECK booked <= capacity); the queue number comes with it.
    UPDATE schedules SET booked = booked + 1, last_queue_number = last_queue_number + 1
     WHERE id = $1 AND booked < capacity AND NOT (SELECT taken FROM active)
    RETURNING last_queue_number, fee_cents
), appointment AS (
    -- `AP` + today + the order sequence, at least three digits: AP20231216001.
    INSERT INTO appointments (order_no, schedule_id, patient_id, user_id, symptoms, queue_number,
                              payment_status, pay_amount_cents, source)
    SELECT 'AP' || $6::TEXT || lpad(seq.n::TEXT, greatest(3, length(seq.n::TEXT)), '0'), $1, $2, $3, $4, place.last_queue_number,
           CASE WHEN place.fee_cents = 0 THEN 'free' ELSE 'pending' END, place.fee_cents, $5
      FROM place, LATERAL (SELECT nextval('appointment_order_seq') AS n) seq
    RETURNING id, order_no, queue_number, status, payment_status, pay_amount_cents, created_at
)
SELECT (SELECT taken FROM active) AS "already_booked!",
       a.id AS "id?", a.order_no AS "order_no?", a.queue_number AS "queue_number?",
       a.status AS "status?: AppointmentStatus", a.payment_status AS "payment_status?: PaymentStatus",
       a.pay_amount_cents AS "pay_amount_cents?", a.created_at AS "created_at?"
  FROM (VALUES (1)) AS one (n) LEFT JOIN appointment a ON true
