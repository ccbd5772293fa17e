//! A follower's last inbound interaction with the Official Account (any message they send; a
//! CLICK, VIEW, subscribe or SCAN event): it opens WeChat's customer-service window, in
//! which a notice may go out as a customer-service message (`wechat_interactions`).

use sqlx::PgConnection;

/// Records that `openid` interacted now (`kind`: `text`, `voice`, `image`, `video`, `location`,
/// `link`, `click`, `view`, `subscribe`, `scan`).
pub async fn record(conn: &mut PgConnection, openid: &str, kind: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO wechat_interactions (openid, kind) VALUES ($1, $2)
         ON CONFLICT (openid) DO UPDATE SET kind = EXCLUDED.kind, last_at = now()",
        openid,
        kind
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `openid` interacted within the last `window` (a zero window is never open).
pub async fn window_open(conn: &mut PgConnection, openid: &str, window: std::time::Duration) -> sqlx::Result<bool> {
    if window.is_zero() {
        return Ok(false);
    }
    let open = sqlx::query_scalar!(
        r#"SELECT last_at > now() - make_interval(secs => $2) AS "open!" FROM wechat_interactions WHERE openid = $1"#,
        openid,
        window.as_secs_f64()
    )
    .fetch_optional(conn)
    .await?;
    Ok(open.unwrap_or(false))
}
