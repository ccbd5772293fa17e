-- Seed 004 (issue 17): the teacher directory (可以搜索获取老师的联系方式). Teachers are cards kept by
-- admins; counselors appear in the directory from their own cards (`counselors`).
CREATE TABLE teachers (
    id         BIGSERIAL   PRIMARY KEY,
    name       TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    department TEXT        NOT NULL DEFAULT '' CHECK (length(department) <= 100),
    title      TEXT        NOT NULL DEFAULT '' CHECK (length(title) <= 50),
    phone      TEXT        CHECK (length(phone) <= 20),
    email      TEXT        CHECK (length(email) <= 254),
    office     TEXT        NOT NULL DEFAULT '' CHECK (length(office) <= 100),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX teachers_name ON teachers (name, id);

-- Teachers and counselors together, as the directory searches them (a counselor's department:
-- the majors of the classes they look after).
CREATE VIEW school_directory AS
    SELECT 'teacher' AS kind, t.id, t.name, t.department, t.title, t.phone, t.email, t.office FROM teachers t
    UNION ALL
    SELECT 'counselor', c.id, c.name,
           COALESCE((SELECT string_agg(DISTINCT k.major, '、' ORDER BY k.major) FROM school_classes k
                      WHERE k.counselor_id = c.id AND k.major <> ''), ''),
           '辅导员', c.phone, c.email, c.office
      FROM counselors c;
