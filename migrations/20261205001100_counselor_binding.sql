-- Seed 004 (issue 16): a counselor binds their own WeChat account the way students do, with a
-- one-time code an admin issues. The codes share `student_bind_codes` (same hashing, lifetime and
-- tries), each held by exactly one student or one counselor. The account that bound is kept beside
-- the counselor's sign-in account (`user_id`, often the console's), so both see the counselor's
-- classes.

ALTER TABLE student_bind_codes
    ALTER COLUMN student_id DROP NOT NULL,
    ADD COLUMN counselor_id BIGINT REFERENCES counselors (id) ON DELETE CASCADE,
    ADD CONSTRAINT student_bind_codes_holder_check CHECK (num_nonnulls(student_id, counselor_id) = 1);
CREATE INDEX student_bind_codes_counselor_latest ON student_bind_codes (counselor_id, id DESC) WHERE counselor_id IS NOT NULL;

ALTER TABLE counselors
    ADD COLUMN wechat_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    ADD CONSTRAINT counselors_wechat_user_key UNIQUE (wechat_user_id);
