-- Refunds of cancelled paid appointments (issue 9). A cancel writes the row ('requested') with the
-- appointment's amount and a `refund_payment` job; the job records it ('recorded'). A payment
-- integration takes over from 'recorded' (its outcome: 'refunded' or 'failed').
CREATE TABLE refunds (
    id             BIGSERIAL PRIMARY KEY,
    appointment_id BIGINT      NOT NULL UNIQUE REFERENCES appointments (id),
    amount_cents   BIGINT      NOT NULL CHECK (amount_cents > 0),
    status         TEXT        NOT NULL DEFAULT 'requested'
        CHECK (status IN ('requested', 'recorded', 'refunded', 'failed')),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    recorded_at    TIMESTAMPTZ
);

-- The per-user cap on waiting entries counts these.
CREATE INDEX waitlist_waiting_by_user ON waitlist_entries (user_id) WHERE status = 'waiting';
