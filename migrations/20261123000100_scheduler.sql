-- The scheduler's memory: how far each schedule has been handled, and one row per firing.
-- The primary key of scheduler_firings is what makes two schedulers fire each timed job once.

CREATE TABLE scheduler_state (
    schedule       TEXT PRIMARY KEY,
    -- The newest fire time handled (fired, coalesced or skipped); firings after it are due.
    last_fire_time TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE scheduler_firings (
    schedule   TEXT        NOT NULL,
    fire_time  TIMESTAMPTZ NOT NULL,
    fired_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- How many jobs this firing enqueued through the outbox.
    jobs       INTEGER     NOT NULL,
    PRIMARY KEY (schedule, fire_time)
);

CREATE INDEX scheduler_firings_fired_at ON scheduler_firings (fired_at);
