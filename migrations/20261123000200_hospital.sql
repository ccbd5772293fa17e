-- Hospital appointments (seed 001): hospitals, departments, schedules (号源), patients (就诊人),
-- appointments and waitlist entries. Capacity is guarded by a CHECK on each schedule's counter.

CREATE TABLE hospitals (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX hospitals_name_key ON hospitals (name);

-- Departments belong to a hospital; seed 000's nursing departments may stand alone.
CREATE TABLE departments (
    id          BIGSERIAL PRIMARY KEY,
    hospital_id BIGINT REFERENCES hospitals (id),
    name        TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX departments_name_key ON departments (COALESCE(hospital_id, 0), name);

CREATE TABLE schedules (
    id                   BIGSERIAL PRIMARY KEY,
    hospital_id          BIGINT      NOT NULL REFERENCES hospitals (id),
    department_id        BIGINT      NOT NULL REFERENCES departments (id),
    date                 DATE        NOT NULL,
    period               TEXT        NOT NULL CHECK (char_length(period) BETWEEN 1 AND 20),
    start_time           TIME        NOT NULL,
    end_time             TIME        NOT NULL,
    capacity             INTEGER     NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    booked               INTEGER     NOT NULL DEFAULT 0,
    last_queue_number    INTEGER     NOT NULL DEFAULT 0,
    last_waitlist_number INTEGER     NOT NULL DEFAULT 0,
    fee_cents            BIGINT      NOT NULL CHECK (fee_cents BETWEEN 0 AND 100000000),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT schedules_booked_within_capacity CHECK (booked BETWEEN 0 AND capacity),
    CONSTRAINT schedules_times_ordered CHECK (start_time < end_time)
);
CREATE UNIQUE INDEX schedules_slot_key ON schedules (department_id, date, period);
CREATE INDEX schedules_date ON schedules (date);

CREATE TABLE patients (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id),
    name       TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    phone      TEXT        NOT NULL CHECK (char_length(phone) BETWEEN 5 AND 20),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX patients_user ON patients (user_id);


CREATE TABLE appointments (
    id               BIGSERIAL PRIMARY KEY,
    order_no         TEXT        NOT NULL UNIQUE,
    schedule_id      BIGINT      NOT NULL REFERENCES schedules (id),
    patient_id       BIGINT      NOT NULL REFERENCES patients (id),
    user_id          BIGINT      NOT NULL REFERENCES users (id),
    symptoms         TEXT        NOT NULL DEFAULT '',
    queue_number     INTEGER     NOT NULL,
    status           TEXT        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'confirmed', 'cancelled', 'completed')),
    payment_status   TEXT        NOT NULL DEFAULT 'pending'
        CHECK (payment_status IN ('pending', 'paid', 'refunded', 'free')),
    pay_amount_cents BIGINT      NOT NULL,
    source           TEXT        NOT NULL DEFAULT 'booking' CHECK (source IN ('booking', 'waitlist')),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    cancelled_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX appointments_one_per_patient_and_schedule
    ON appointments (schedule_id, patient_id) WHERE status <> 'cancelled';
CREATE INDEX appointments_user ON appointments (user_id, id DESC);
CREATE INDEX appointments_schedule ON appointments (schedule_id) WHERE status <> 'cancelled';

CREATE TABLE waitlist_entries (
    id             BIGSERIAL PRIMARY KEY,
    schedule_id    BIGINT      NOT NULL REFERENCES schedules (id),
    patient_id     BIGINT      NOT NULL REFERENCES patients (id),
    user_id        BIGINT      NOT NULL REFERENCES users (id),
    queue_number   INTEGER     NOT NULL,
    status         TEXT        NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'promoted', 'cancelled')),
    appointment_id BIGINT REFERENCES appointments (id),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    promoted_at    TIMESTAMPTZ
);
CREATE UNIQUE INDEX waitlist_one_waiting_per_patient
    ON waitlist_entries (schedule_id, patient_id) WHERE status = 'waiting';
CREATE INDEX waitlist_waiting_in_order ON waitlist_entries (schedule_id, queue_number) WHERE status = 'waiting';

-- Order numbers come from a sequence so that concurrent bookings never wait on a counter row.
CREATE SEQUENCE appointment_order_seq;
