//! Department QR codes: one permanent parametric code per department (`QR_LIMIT_SCENE`, scene id =
//! the department id), created once through a job and then reused.

use std::time::Duration;

use sqlx::PgConnection;

crate::text_enum! {
    /// `department_qrcodes.status`.
    pub enum QrcodeStatus { Pending = "pending", Ready = "ready", Failed = "failed" }
}

/// A department and its code; `status` is `None` when no code was asked for.
#[derive(Debug, Clone)]
pub struct DepartmentCode {
    pub department_id: i64,
    pub name: String,
    pub scene_id: Option<i32>,
    pub status: Option<QrcodeStatus>,
    pub image_url: Option<String>,
    pub last_error: Option<String>,
}

pub async fn find(conn: &mut PgConnection, department_id: i64) -> sqlx::Result<Option<DepartmentCode>> {
    sqlx::query_as!(
        DepartmentCode,
        r#"SELECT department_id AS "department_id!", name AS "name!", scene_id, status AS "status: QrcodeStatus", image_url, last_error
             FROM department_codes WHERE department_id = $1"#,
        department_id
    )
    .fetch_optional(conn)
    .await
}

/// The departments of the Official Account's flow: those a code was asked for (a
/// `department_qrcodes` row, whatever its state), by id; all of them, or a page when
/// `page = Some((limit, offset))`. With the total in the flow.
pub async fn list(conn: &mut PgConnection, page: Option<(i64, i64)>) -> sqlx::Result<(Vec<DepartmentCode>, i64)> {
    let (limit, offset) = page.map_or((None, 0), |(l, o)| (Some(l), o));
    let rows = sqlx::query_as!(
        DepartmentCode,
        r#"SELECT department_id AS "department_id!", name AS "name!", scene_id, status AS "status: QrcodeStatus", image_url, last_error
             FROM department_codes WHERE has_code ORDER BY department_id LIMIT $1 OFFSET $2"#,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM department_qrcodes"#).fetch_one(conn).await?;
    Ok((rows, total))
}

/// Claims the code row for a department (pending) unless one exists; true when newly claimed,
/// when a failed one is retried, or when a pending one has not moved for `reclaim_after` (its
/// creation job died: the caller starts another). One statement, so two callers never both win.
pub async fn claim(conn: &mut PgConnection, department_id: i64, reclaim_after: Duration) -> sqlx::Result<bool> {
    let scene = i32::try_from(department_id).unwrap_or(0);
    let done = sqlx::query!(
        "INSERT INTO department_qrcodes (department_id, scene_id) VALUES ($1, $2)
         ON CONFLICT (department_id) DO UPDATE SET status = 'pending', last_error = NULL, updated_at = now()
           WHERE department_qrcodes.status = 'failed'
              OR (department_qrcodes.status = 'pending'
                  AND department_qrcodes.updated_at < now() - make_interval(secs => $3))",
        department_id,
        scene,
        reclaim_after.as_secs_f64()
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The channel a code's end (ready or failed) is announced on, with the department id as payload,
/// for the API requests that wait for it.
pub const SETTLED_CHANNEL: &str = "qrcode_settled";

/// Stores a created code (and announces it on [`SETTLED_CHANNEL`]).
pub async fn mark_ready(conn: &mut PgConnection, department_id: i64, ticket: &str, url: &str, image_url: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "WITH done AS (
           UPDATE department_qrcodes SET status = 'ready', ticket = $2, url = $3, image_url = $4, last_error = NULL, updated_at = now()
            WHERE department_id = $1 RETURNING department_id)
         SELECT pg_notify($5, department_id::TEXT) FROM done",
        department_id,
        ticket,
        url,
        image_url,
        SETTLED_CHANNEL
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What a ready code encodes (the `url` WeChat answered), to draw the code without fetching
/// WeChat's image.
pub async fn content(conn: &mut PgConnection, department_id: i64) -> sqlx::Result<Option<String>> {
    let url = sqlx::query_scalar!("SELECT url FROM department_qrcodes WHERE department_id = $1 AND status = 'ready'", department_id)
        .fetch_optional(conn)
        .await?;
    Ok(url.flatten())
}

/// Records a creation that failed for good (the route reports it; asking again retries), and
/// announces it on [`SETTLED_CHANNEL`].
pub async fn mark_failed(conn: &mut PgConnection, department_id: i64, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "WITH done AS (
           UPDATE department_qrcodes SET status = 'failed', last_error = left($2, 500), updated_at = now()
            WHERE department_id = $1 RETURNING department_id)
         SELECT pg_notify($3, department_id::TEXT) FROM done",
        department_id,
        error,
        SETTLED_CHANNEL
    )
        .execute(conn)
        .await?;
    Ok(())
}

/// The department a QR scene belongs to: `qrscene_123` (subscribe) or `123` (SCAN).
pub fn department_of_scene(event_key: &str) -> Option<i64> {
    let scene = event_key.strip_prefix("qrscene_").unwrap_or(event_key);
    scene.parse::<i64>().ok().filter(|id| (1..=100_000).contains(id))
}

#[cfg(test)]
mod tests {
    use super::department_of_scene;

    #[test]
    fn scenes_from_both_event_kinds() {
        assert_eq!(department_of_scene("qrscene_123"), Some(123));
        assert_eq!(department_of_scene("123"), Some(123));
        assert_eq!(department_of_scene("qrscene_"), None);
        assert_eq!(department_of_scene("SCENE_VALUE"), None);
        assert_eq!(department_of_scene("qrscene_999999"), None);
    }
}
