//! Students: student number (学号, unique), name, class, grade and major (the class's when left
//! blank), and the mobile number on file (where a binding code can be sent).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::Scope;
use crate::sms::normalize_mainland_mobile;

#[derive(Debug, Clone)]
pub struct Student {
    pub id: i64,
    pub student_no: String,
    pub name: String,
    pub class_id: i64,
    pub class_name: String,
    pub grade: String,
    pub major: String,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A student as written (already checked by [`check`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudentFields {
    pub student_no: String,
    pub name: String,
    pub class_id: i64,
    pub grade: String,
    pub major: String,
    pub phone: Option<String>,
}

/// A student as a client sent it, before checking.
#[derive(Debug, Clone, Default)]
pub struct RawStudent<'a> {
    pub student_no: &'a str,
    pub name: &'a str,
    pub grade: Option<&'a str>,
    pub major: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// Checks a student's fields: `(field, message)` for each bad one, or the fields as stored (the
/// class is the caller's to resolve).
pub fn check(raw: &RawStudent<'_>, class_id: i64) -> Result<StudentFields, Vec<(&'static str, String)>> {
    let mut bad = Vec::new();
    let no = raw.student_no.trim();
    if no.is_empty() || no.len() > 32 || !no.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        bad.push(("studentNo", "must be 1 to 32 letters, digits, `-` or `_`".to_owned()));
    }
    let name = raw.name.trim();
    if name.is_empty() || name.chars().count() > 50 || name.contains('\0') {
        bad.push(("name", "is required, at most 50 characters".to_owned()));
    }
    for (field, value) in [("grade", raw.grade), ("major", raw.major)] {
        if value.is_some_and(|v| v.chars().count() > 50 || v.contains('\0')) {
            bad.push((field, "must be at most 50 characters".to_owned()));
        }
    }
    let phone = match raw.phone.map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match normalize_mainland_mobile(p) {
            Some(p) => Some(p),
            None => {
                bad.push(("phone", "must be a mainland China mobile number".to_owned()));
                None
            }
        },
    };
    if !bad.is_empty() {
        return Err(bad);
    }
    Ok(StudentFields {
        student_no: no.to_owned(),
        name: name.to_owned(),
        class_id,
        grade: raw.grade.map(str::trim).unwrap_or_default().to_owned(),
        major: raw.major.map(str::trim).unwrap_or_default().to_owned(),
        phone,
    })
}

/// `%` and `_` (and `\`) taken literally in an `ILIKE` pattern.
pub fn escape_like(q: &str) -> String {
    q.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Which students a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct StudentFilter<'a> {
    /// A substring of the name or student number.
    pub q: Option<&'a str>,
    pub class_id: Option<i64>,
    pub grade: Option<&'a str>,
    pub major: Option<&'a str>,
}

/// A page of the students `scope` sees, by class and student number, with the total.
pub async fn list(conn: &mut PgConnection, scope: Scope, f: StudentFilter<'_>, limit: i64, offset: i64) -> sqlx::Result<(Vec<Student>, i64)> {
    let pattern = f.q.filter(|q| !q.trim().is_empty()).map(|q| format!("%{}%", escape_like(q)));
    let counselor = scope.counselor_filter();
    let rows = sqlx::query_as!(
        Student,
        r#"SELECT s.id, s.student_no, s.name, s.class_id, k.name AS class_name,
                  CASE WHEN s.grade = '' THEN k.grade ELSE s.grade END AS "grade!",
                  CASE WHEN s.major = '' THEN k.major ELSE s.major END AS "major!", s.phone, s.created_at
             FROM students s JOIN school_classes k ON k.id = s.class_id
            WHERE ($1::bigint IS NULL OR k.counselor_id = $1)
              AND ($2::text IS NULL OR s.name ILIKE $2 OR s.student_no ILIKE $2)
              AND ($3::bigint IS NULL OR s.class_id = $3)
              AND ($4::text IS NULL OR CASE WHEN s.grade = '' THEN k.grade ELSE s.grade END = $4)
              AND ($5::text IS NULL OR CASE WHEN s.major = '' THEN k.major ELSE s.major END = $5)
            ORDER BY k.name, s.student_no LIMIT $6 OFFSET $7"#,
        counselor,
        pattern,
        f.class_id,
        f.grade,
        f.major,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM students s JOIN school_classes k ON k.id = s.class_id
            WHERE ($1::bigint IS NULL OR k.counselor_id = $1)
              AND ($2::text IS NULL OR s.name ILIKE $2 OR s.student_no ILIKE $2)
              AND ($3::bigint IS NULL OR s.class_id = $3)
              AND ($4::text IS NULL OR CASE WHEN s.grade = '' THEN k.grade ELSE s.grade END = $4)
              AND ($5::text IS NULL OR CASE WHEN s.major = '' THEN k.major ELSE s.major END = $5)"#,
        counselor,
        pattern,
        f.class_id,
        f.grade,
        f.major
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// One student, when `scope` sees them.
pub async fn find(conn: &mut PgConnection, scope: Scope, id: i64) -> sqlx::Result<Option<Student>> {
    sqlx::query_as!(
        Student,
        r#"SELECT s.id, s.student_no, s.name, s.class_id, k.name AS class_name,
                  CASE WHEN s.grade = '' THEN k.grade ELSE s.grade END AS "grade!",
                  CASE WHEN s.major = '' THEN k.major ELSE s.major END AS "major!", s.phone, s.created_at
             FROM students s JOIN school_classes k ON k.id = s.class_id
            WHERE s.id = $1 AND ($2::bigint IS NULL OR k.counselor_id = $2)"#,
        id,
        scope.counselor_filter()
    )
    .fetch_optional(conn)
    .await
}

/// The id and class of the student with this number (whoever looks after them).
pub async fn by_number(conn: &mut PgConnection, student_no: &str) -> sqlx::Result<Option<(i64, i64)>> {
    let row = sqlx::query!("SELECT id, class_id FROM students WHERE student_no = $1", student_no).fetch_optional(conn).await?;
    Ok(row.map(|r| (r.id, r.class_id)))
}

/// Creates a student (a taken number is a unique violation, `students_student_no_key`).
pub async fn create(conn: &mut PgConnection, f: &StudentFields) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO students (student_no, name, class_id, grade, major, phone) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        f.student_no,
        f.name,
        f.class_id,
        f.grade,
        f.major,
        f.phone
    )
    .fetch_one(conn)
    .await
}

/// Replaces a student's fields; false when there is no such student.
pub async fn update(conn: &mut PgConnection, id: i64, f: &StudentFields) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE students SET student_no = $2, name = $3, class_id = $4, grade = $5, major = $6, phone = $7, updated_at = now() WHERE id = $1",
        id,
        f.student_no,
        f.name,
        f.class_id,
        f.grade,
        f.major,
        f.phone
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a student (their group memberships go with them; the groups stay, even empty).
pub async fn delete(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!("DELETE FROM students WHERE id = $1", id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_each_field() {
        let raw = RawStudent { student_no: " 2024001 ", name: " 张三 ", grade: None, major: Some("计算机"), phone: Some("138 0000 0001") };
        let f = check(&raw, 7).expect("valid");
        assert_eq!((f.student_no.as_str(), f.name.as_str(), f.phone.as_deref(), f.class_id), ("2024001", "张三", Some("13800000001"), 7));
        let raw = RawStudent { student_no: "20 24", name: "", grade: None, major: None, phone: Some("12345") };
        let bad: Vec<&str> = check(&raw, 7).unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(bad, ["studentNo", "name", "phone"]);
    }

    #[test]
    fn like_patterns_are_literal() {
        assert_eq!(escape_like(" 50%_a\\ "), "50\\%\\_a\\\\");
    }
}
