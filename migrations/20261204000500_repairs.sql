-- Seed 002 故障报修: categories, the addresses each category's reports are mailed to (an address
-- with no category receives every category), and the reports with their status.

CREATE TABLE repair_categories (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT repair_categories_name_length CHECK (char_length(name) BETWEEN 1 AND 50)
);
CREATE UNIQUE INDEX repair_categories_name_key ON repair_categories (lower(name));

CREATE TABLE repair_recipients (
    id         BIGSERIAL PRIMARY KEY,
    email      TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX repair_recipients_email_key ON repair_recipients (lower(email));

CREATE TABLE repair_recipient_categories (
    recipient_id BIGINT NOT NULL REFERENCES repair_recipients (id) ON DELETE CASCADE,
    category_id  BIGINT NOT NULL REFERENCES repair_categories (id) ON DELETE CASCADE,
    PRIMARY KEY (recipient_id, category_id)
);

CREATE TABLE repairs (
    id             BIGSERIAL PRIMARY KEY,
    reporter_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    category_id    BIGINT      NOT NULL REFERENCES repair_categories (id),
    location       TEXT        NOT NULL,
    description    TEXT        NOT NULL,
    status         TEXT        NOT NULL DEFAULT 'pending',
    status_changes INT         NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT repairs_status_known CHECK (status IN ('pending', 'in_progress', 'resolved')),
    CONSTRAINT repairs_location_length CHECK (char_length(location) BETWEEN 1 AND 200),
    CONSTRAINT repairs_description_length CHECK (char_length(description) BETWEEN 1 AND 2000)
);
CREATE INDEX repairs_reporter ON repairs (reporter_id, id DESC);
CREATE INDEX repairs_status ON repairs (status, id DESC);
CREATE INDEX repairs_category ON repairs (category_id, id DESC);
