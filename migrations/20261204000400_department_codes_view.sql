-- Each department with its QR code's state (NULL columns when no code was asked for): the one
-- select that finding a department's code and listing the codes share (common/src/follow/qrcodes.rs).
CREATE VIEW department_codes AS
SELECT d.id AS department_id, d.name, q.scene_id, q.status, q.image_url, q.last_error,
       q.department_id IS NOT NULL AS has_code
  FROM departments d LEFT JOIN department_qrcodes q ON q.department_id = d.id;
