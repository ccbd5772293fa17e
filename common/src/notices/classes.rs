//! Classes (班级): a name, grade and major, and the counselor who looks after them.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Scope;

#[derive(Debug, Clone)]
pub struct Class {
    pub id: i64,
    pub name: String,
    pub grade: String,
    pub major: String,
    pub counselor_id: Option<i64>,
    pub counselor_name: Option<String>,
    pub student_count: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct ClassFields {
    pub name: String,
    pub grade: String,
    pub major: String,
    pub counselor_id: Option<i64>,
}

/// A page of the classes `scope` sees (`q`: a substring of name, grade or major), by name.
pub async fn list(conn: &mut PgConnection, scope: Scope, q: Option<&str>, limit: i64, offset: i64) -> sqlx::Result<(Vec<Class>, i64)> {
    let pattern = q.map(|q| format!("%{}%", super::students::escape_like(q)));
    let counselor = scope.counselor_filter();
    let rows = sqlx::query_as!(
        Class,
        r#"SELECT k.id, k.name, k.grade, k.major, k.counselor_id, c.name AS "counselor_name?", k.created_at,
                  (SELECT count(*) FROM students s WHERE s.class_id = k.id) AS "student_count!"
             FROM school_classes k LEFT JOIN counselors c ON c.id = k.counselor_id
            WHERE ($1::bigint IS NULL OR k.counselor_id = $1)
              AND ($2::text IS NULL OR k.name ILIKE $2 OR k.grade ILIKE $2 OR k.major ILIKE $2)
            ORDER BY k.name, k.id LIMIT $3 OFFSET $4"#,
        counselor,
        pattern,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM school_classes k
            WHERE ($1::bigint IS NULL OR k.counselor_id = $1)
              AND ($2::text IS NULL OR k.name ILIKE $2 OR k.grade ILIKE $2 OR k.major ILIKE $2)"#,
        counselor,
        pattern
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// One class, when `scope` sees it.
pub async fn find(conn: &mut PgConnection, scope: Scope, id: i64) -> sqlx::Result<Option<Class>> {
    sqlx::query_as!(
        Class,
        r#"SELECT k.id, k.name, k.grade, k.major, k.counselor_id, c.name AS "counselor_name?", k.created_at,
                  (SELECT count(*) FROM students s WHERE s.class_id = k.id) AS "student_count!"
             FROM school_classes k LEFT JOIN counselors c ON c.id = k.counselor_id
            WHERE k.id = $1 AND ($2::bigint IS NULL OR k.counselor_id = $2)"#,
        id,
        scope.counselor_filter()
    )
    .fetch_optional(conn)
    .await
}

/// The id of the class named `name`, when `scope` sees it.
pub async fn id_by_name(conn: &mut PgConnection, scope: Scope, name: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "SELECT id FROM school_classes WHERE name = $1 AND ($2::bigint IS NULL OR counselor_id = $2)",
        name,
        scope.counselor_filter()
    )
    .fetch_optional(conn)
    .await
}

/// Creates a class (a taken name is a unique violation, `school_classes_name_key`).
pub async fn create(conn: &mut PgConnection, f: &ClassFields) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO school_classes (name, grade, major, counselor_id) VALUES ($1, $2, $3, $4) RETURNING id",
        f.name,
        f.grade,
        f.major,
        f.counselor_id
    )
    .fetch_one(conn)
    .await
}

pub async fn update(conn: &mut PgConnection, id: i64, f: &ClassFields) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE school_classes SET name = $2, grade = $3, major = $4, counselor_id = $5 WHERE id = $1",
        id,
        f.name,
        f.grade,
        f.major,
        f.counselor_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What deleting a class did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Done,
    Missing,
    /// It still has students (move or delete them first).
    HasStudents,
}

pub async fn delete(conn: &mut PgConnection, id: i64) -> sqlx::Result<Deleted> {
    let students = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM students WHERE class_id = $1"#, id).fetch_one(&mut *conn).await?;
    if students > 0 {
        return Ok(Deleted::HasStudents);
    }
    let done = sqlx::query!("DELETE FROM school_classes WHERE id = $1", id).execute(conn).await?;
    Ok(if done.rows_affected() == 1 { Deleted::Done } else { Deleted::Missing })
}
