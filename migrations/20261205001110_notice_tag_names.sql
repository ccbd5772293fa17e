-- Seed 004 (issue 16): a class's or group's WeChat tag follows its renames. The name each tag
-- should carry, `c<id> <class>` / `g<id> <group>` cut to WeChat's 30 characters (the id at the
-- front keeps it unique), is written once, here; `notice_tags.name` is the name WeChat was last
-- given, and the `sync_notice_tags` job renames the tag (`tags/update`) where the two differ.
CREATE VIEW notice_tag_names AS
SELECT k.id AS class_id, NULL::BIGINT AS group_id, left('c' || k.id || ' ' || k.name, 30) AS name FROM school_classes k
UNION ALL
SELECT NULL::BIGINT, g.id, left('g' || g.id || ' ' || g.name, 30) FROM student_groups g;
