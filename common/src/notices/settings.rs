//! Which categories a student follows (the H5 settings page). Without settings a student follows
//! every category; with them, only those listed — except urgent notices, which reach everyone in
//! their audience (the prototype's TODO, done).

use sqlx::PgConnection;

/// The categories a student chose (`None`: never chose, so all).
pub async fn of_student(conn: &mut PgConnection, student_id: i64) -> sqlx::Result<Option<Vec<i64>>> {
    sqlx::query_scalar!("SELECT category_ids FROM student_notice_settings WHERE student_id = $1", student_id).fetch_optional(conn).await
}

/// Replaces a student's choice.
pub async fn set(conn: &mut PgConnection, student_id: i64, category_ids: &[i64]) -> sqlx::Result<()> {
    let mut ids = category_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    sqlx::query!(
        "INSERT INTO student_notice_settings (student_id, category_ids) VALUES ($1, $2)
         ON CONFLICT (student_id) DO UPDATE SET category_ids = EXCLUDED.category_ids, updated_at = now()",
        student_id,
        &ids
    )
    .execute(conn)
    .await?;
    Ok(())
}
