-- Seed 004 (issue 17): lectures and activities (讲座报名) for students reuse seed 002's activities
-- and enrollment forms. An activity is for staff only unless an admin opens it to students too;
-- students see, enroll in and check in to only those.
ALTER TABLE activities ADD COLUMN open_to_students BOOLEAN NOT NULL DEFAULT false;
