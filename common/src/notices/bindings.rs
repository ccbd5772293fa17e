//! Student ↔ openid bindings on the Official Account. Binding replaces whatever either side was
//! bound to before (the code proved the student; the openid is the caller's own) and is the same
//! answer when repeated. `unsubscribe` marks the binding inactive (nothing is sent to it), a
//! follow restores it.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// A binding as the bind page and the API show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub student_id: i64,
    pub student_no: String,
    pub name: String,
    pub class_name: String,
    pub active: bool,
    pub bound_at: DateTime<Utc>,
}

/// The student `openid` is bound to, if any (an openid is one app's: the callback, which knows
/// the account only by its original id, looks it up alone).
pub async fn of_openid(conn: &mut PgConnection, openid: &str) -> sqlx::Result<Option<Binding>> {
    sqlx::query_as!(
        Binding,
        r#"SELECT b.student_id, s.student_no, s.name, k.name AS class_name, b.active, b.bound_at
             FROM student_bindings b JOIN students s ON s.id = b.student_id JOIN school_classes k ON k.id = s.class_id
            WHERE b.openid = $1"#,
        openid
    )
    .fetch_optional(conn)
    .await
}

/// Binds `openid` to the student (active), replacing the student's earlier openid and the
/// openid's earlier student.
pub async fn bind(conn: &mut PgConnection, student_id: i64, appid: &str, openid: &str, user_id: i64) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM student_bindings WHERE appid = $1 AND openid = $2 AND student_id <> $3", appid, openid, student_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "INSERT INTO student_bindings (student_id, appid, openid, user_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (student_id) DO UPDATE SET appid = EXCLUDED.appid, openid = EXCLUDED.openid, user_id = EXCLUDED.user_id,
             active = true, inactive_since = NULL, bound_at = now()",
        student_id,
        appid,
        openid,
        user_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the openid's binding inactive (unsubscribe) or active again (a new follow); true when
/// there was one to change.
pub async fn set_active(conn: &mut PgConnection, openid: &str, active: bool) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE student_bindings SET active = $2, inactive_since = CASE WHEN $2 THEN NULL ELSE now() END
          WHERE openid = $1 AND active <> $2",
        openid,
        active
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
