-- Seed 004 (issue 16): a notice's content beyond its text — an optional vote (投票) and its
-- attachments (附件).
--
-- A vote is single choice (`max_choices` = 1) or multiple choice (up to `max_choices` of its 2–20
-- options), open until `deadline`. A recipient casts one ballot and may change it until the
-- deadline: the ballot holds the chosen options' positions (0-based) and is replaced whole.
CREATE TABLE notice_votes (
    notice_id   BIGINT      PRIMARY KEY REFERENCES notices (id) ON DELETE CASCADE,
    options     TEXT[]      NOT NULL CONSTRAINT notice_votes_options_check CHECK (cardinality(options) BETWEEN 2 AND 20),
    max_choices INTEGER     NOT NULL CONSTRAINT notice_votes_max_choices_check CHECK (max_choices BETWEEN 1 AND cardinality(options)),
    deadline    TIMESTAMPTZ NOT NULL
);

CREATE TABLE notice_ballots (
    notice_id  BIGINT      NOT NULL REFERENCES notice_votes (notice_id) ON DELETE CASCADE,
    student_id BIGINT      NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    choices    SMALLINT[]  NOT NULL CONSTRAINT notice_ballots_choices_check CHECK (cardinality(choices) >= 1),
    cast_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (notice_id, student_id)
);

-- Files the author uploaded (`POST /api/files`, `stored_files`), in the order given, each under
-- the name it is downloaded as. Its recipients and its author download them.
CREATE TABLE notice_attachments (
    notice_id BIGINT   NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    position  SMALLINT NOT NULL,
    file_id   TEXT     NOT NULL REFERENCES stored_files (id),
    name      TEXT     NOT NULL CONSTRAINT notice_attachments_name_check CHECK (length(name) BETWEEN 1 AND 100),
    PRIMARY KEY (notice_id, position),
    CONSTRAINT notice_attachments_once UNIQUE (notice_id, file_id)
);
CREATE INDEX notice_attachments_file ON notice_attachments (file_id);
