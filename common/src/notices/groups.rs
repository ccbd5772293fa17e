//! Groups of students (班干部, 学生会, 协会…), each member with a role. A group is kept when its
//! last member leaves or is deleted (the prototype deleted empty groups by accident): only
//! [`delete`] removes one. A counselor manages the groups they created; admins every group.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Scope;

#[derive(Debug, Clone)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub counselor_id: Option<i64>,
    pub member_count: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct GroupFields {
    pub name: String,
    pub kind: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub student_id: i64,
    pub student_no: String,
    pub name: String,
    pub class_name: String,
    pub role: String,
}

/// A page of the groups `scope` manages (`q`: a substring of name or kind), by name.
pub async fn list(conn: &mut PgConnection, scope: Scope, q: Option<&str>, limit: i64, offset: i64) -> sqlx::Result<(Vec<Group>, i64)> {
    let pattern = q.filter(|q| !q.trim().is_empty()).map(|q| format!("%{}%", super::students::escape_like(q)));
    let counselor = scope.counselor_filter();
    let rows = sqlx::query_as!(
        Group,
        r#"SELECT g.id, g.name, g.kind, g.description, g.counselor_id, g.created_at,
                  (SELECT count(*) FROM student_group_members m WHERE m.group_id = g.id) AS "member_count!"
             FROM student_groups g
            WHERE ($1::bigint IS NULL OR g.counselor_id = $1) AND ($2::text IS NULL OR g.name ILIKE $2 OR g.kind ILIKE $2)
            ORDER BY g.name, g.id LIMIT $3 OFFSET $4"#,
        counselor,
        pattern,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM student_groups g
            WHERE ($1::bigint IS NULL OR g.counselor_id = $1) AND ($2::text IS NULL OR g.name ILIKE $2 OR g.kind ILIKE $2)"#,
        counselor,
        pattern
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// One group, when `scope` manages it.
pub async fn find(conn: &mut PgConnection, scope: Scope, id: i64) -> sqlx::Result<Option<Group>> {
    sqlx::query_as!(
        Group,
        r#"SELECT g.id, g.name, g.kind, g.description, g.counselor_id, g.created_at,
                  (SELECT count(*) FROM student_group_members m WHERE m.group_id = g.id) AS "member_count!"
             FROM student_groups g WHERE g.id = $1 AND ($2::bigint IS NULL OR g.counselor_id = $2)"#,
        id,
        scope.counselor_filter()
    )
    .fetch_optional(conn)
    .await
}

/// Creates a group managed by `counselor_id` (`None`: the school's); a taken name is a unique
/// violation (`student_groups_name_key`).
pub async fn create(conn: &mut PgConnection, f: &GroupFields, counselor_id: Option<i64>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO student_groups (name, kind, description, counselor_id) VALUES ($1, $2, $3, $4) RETURNING id",
        f.name,
        f.kind,
        f.description,
        counselor_id
    )
    .fetch_one(conn)
    .await
}

pub async fn update(conn: &mut PgConnection, id: i64, f: &GroupFields) -> sqlx::Result<bool> {
    let done = sqlx::query!("UPDATE student_groups SET name = $2, kind = $3, description = $4 WHERE id = $1", id, f.name, f.kind, f.description)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a group and its memberships (the students stay).
pub async fn delete(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!("DELETE FROM student_groups WHERE id = $1", id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// The members of a group by class and student number.
pub async fn members(conn: &mut PgConnection, group_id: i64) -> sqlx::Result<Vec<Member>> {
    sqlx::query_as!(
        Member,
        r#"SELECT s.id AS student_id, s.student_no, s.name, k.name AS class_name, m.role
             FROM student_group_members m JOIN students s ON s.id = m.student_id JOIN school_classes k ON k.id = s.class_id
            WHERE m.group_id = $1 ORDER BY k.name, s.student_no"#,
        group_id
    )
    .fetch_all(conn)
    .await
}

/// Adds a student to a group, or changes their role there (putting the same again changes nothing).
pub async fn put_member(conn: &mut PgConnection, group_id: i64, student_id: i64, role: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO student_group_members (group_id, student_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (group_id, student_id) DO UPDATE SET role = EXCLUDED.role",
        group_id,
        student_id,
        role
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes a student out of a group; the group stays even when it is now empty.
pub async fn remove_member(conn: &mut PgConnection, group_id: i64, student_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!("DELETE FROM student_group_members WHERE group_id = $1 AND student_id = $2", group_id, student_id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}
