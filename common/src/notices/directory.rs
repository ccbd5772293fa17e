//! The teacher directory (seed 004, 老师的联系方式): teachers' cards kept by admins, and the
//! counselors from their own cards (their department: the majors of the classes they look after),
//! searched together by name or department.

use sqlx::PgConnection;

use super::students::escape_like;

/// A teacher's card as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeacherFields {
    pub name: String,
    pub department: String,
    pub title: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub office: String,
}

/// One directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `teacher` or `counselor`.
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub department: String,
    pub title: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub office: String,
}

/// What a directory search asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct DirectoryFilter<'a> {
    /// A substring of the name or the department.
    pub q: Option<&'a str>,
    /// A substring of the department.
    pub department: Option<&'a str>,
    /// `teacher` or `counselor` only.
    pub kind: Option<&'a str>,
}

/// A page of entries by name, and how many match.
pub async fn search(conn: &mut PgConnection, f: DirectoryFilter<'_>, limit: i64, offset: i64) -> sqlx::Result<(Vec<Entry>, i64)> {
    let q = f.q.map(|q| format!("%{}%", escape_like(q)));
    let department = f.department.map(|d| format!("%{}%", escape_like(d)));
    let rows = sqlx::query_as!(
        Entry,
        r#"SELECT kind AS "kind!", id AS "id!", name AS "name!", department AS "department!", title AS "title!", phone, email, office AS "office!"
             FROM school_directory
            WHERE ($1::text IS NULL OR name ILIKE $1 OR department ILIKE $1)
              AND ($2::text IS NULL OR department ILIKE $2) AND ($3::text IS NULL OR kind = $3)
            ORDER BY name COLLATE "zh-x-icu", kind, id LIMIT $4 OFFSET $5"#,
        q,
        department,
        f.kind,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM school_directory
            WHERE ($1::text IS NULL OR name ILIKE $1 OR department ILIKE $1)
              AND ($2::text IS NULL OR department ILIKE $2) AND ($3::text IS NULL OR kind = $3)"#,
        q,
        department,
        f.kind
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, count))
}

/// A teacher's card; `None` when there is no such teacher.
pub async fn teacher(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Entry>> {
    sqlx::query_as!(
        Entry,
        r#"SELECT 'teacher' AS "kind!", id, name, department, title, phone, email, office FROM teachers WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

pub async fn create_teacher(conn: &mut PgConnection, f: &TeacherFields) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO teachers (name, department, title, phone, email, office) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        f.name,
        f.department,
        f.title,
        f.phone,
        f.email,
        f.office
    )
    .fetch_one(conn)
    .await
}

/// Replaces a teacher's card; false when there is no such teacher.
pub async fn update_teacher(conn: &mut PgConnection, id: i64, f: &TeacherFields) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE teachers SET name = $2, department = $3, title = $4, phone = $5, email = $6, office = $7, updated_at = now() WHERE id = $1",
        id,
        f.name,
        f.department,
        f.title,
        f.phone,
        f.email,
        f.office
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes a teacher's card; false when there was none.
pub async fn delete_teacher(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query!("DELETE FROM teachers WHERE id = $1", id).execute(conn).await?.rows_affected() > 0)
}
