-- Takes one place on a schedule and writes its appointment, in one round trip (`booking::place`),
-- and returns the schedule as it is: as the update left it when a place was taken, else as this
-- statement's snapshot saw it (no row at all: no such schedule). The caller checks the schedule
-- after (the hospital and department asked for, not ended); a refusal rolls back the transaction,
-- the place with it.
-- The schedule's row lock is taken by the update here (a booking), or was taken earlier by the
-- caller (a waitlist promotion, `open_schedule`). The update re-reads the row as it is after any
-- booking that held it, so capacity, queue number and fee are current. The duplicate check reads
-- the snapshot: a booking of the same patient committed after it is refused by the unique index
-- appointments_one_per_patient_and_schedule (AlreadyBooked).
--   $1 schedule id, $2 patient id, $3 user id, $4 symptoms, $5 source ('booking' or 'waitlist'),
--   $6 today's date in the service time zone, 'YYYYMMDD' (for the order number), $7 the appointment's
--   id, drawn before by `booking::appointment_id_for` (NULL: a new one)
-- One row when the schedule exists: `already_booked` (the patient holds an active appointment of
-- the schedule; nothing written), else the appointment, or no appointment when the schedule is full.
WITH seen AS (
    SELECT id, hospital_id, department_id, date, period, start_time, end_time, capacity, booked, fee_cents
      FROM schedules WHERE id = $1
), active AS (
    -- The patient's appointment on this schedule, if one is active: no second place.
    SELECT EXISTS (SELECT 1 FROM appointments WHERE schedule_id = $1 AND patient_id = $2 AND status <> 'cancelled') AS taken
), place AS (
    -- The counter is where capacity is taken (CHECK booked <= capacity); the queue number comes with it.
    UPDATE schedules SET booked = booked + 1, last_queue_number = last_queue_number + 1
     WHERE id = $1 AND booked < capacity AND NOT (SELECT taken FROM active)
    RETURNING id, hospital_id, department_id, date, period, start_time, end_time, capacity, booked, fee_cents, last_queue_number
), appointment AS (
    -- `AP` + today + the order sequence, at least three digits: AP20231216001.
    INSERT INTO appointments (id, order_no, schedule_id, patient_id, user_id, symptoms, queue_number,
                              payment_status, pay_amount_cents, source)
    SELECT COALESCE($7::BIGINT, nextval('appointments_id_seq')), 'AP' || $6::TEXT || lpad(seq.n::TEXT, greatest(3, length(seq.n::TEXT)), '0'), $1, $2, $3, $4, place.last_queue_number,
           CASE WHEN place.fee_cents = 0 THEN 'free' ELSE 'pending' END, place.fee_cents, $5
      FROM place, LATERAL (SELECT nextval('appointment_order_seq') AS n) seq
    RETURNING id, order_no, queue_number, status, payment_status, pay_amount_cents, created_at
), schedule AS (
    SELECT * FROM place
    UNION ALL
    SELECT id, hospital_id, department_id, date, period, start_time, end_time, capacity, booked, fee_cents, NULL FROM seen
     WHERE NOT EXISTS (SELECT 1 FROM place)
)
SELECT (SELECT taken FROM active) AS "already_booked!",
       s.id AS "schedule_id!", s.hospital_id AS "hospital_id!", s.department_id AS "department_id!", s.date AS "date!",
       s.period AS "period!", s.start_time AS "start_time!", s.end_time AS "end_time!", s.capacity AS "capacity!",
       s.booked AS "booked!", s.fee_cents AS "fee_cents!",
       a.id AS "id?", a.order_no AS "order_no?", a.queue_number AS "queue_number?",
       a.status AS "status?: AppointmentStatus", a.payment_status AS "payment_status?: PaymentStatus",
       a.pay_amount_cents AS "pay_amount_cents?", a.created_at AS "created_at?"
  FROM schedule s LEFT JOIN appointment a ON true
