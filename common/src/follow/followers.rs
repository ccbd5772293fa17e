//! Followers: bound to a department by its QR code (`subscribe` with `qrscene_<scene>`, or `SCAN`
//! of an already-following user), marked gone on `unsubscribe`.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

crate::text_enum! {
    /// How a follower came to a department (`wechat_followers.source`).
    pub enum Source {
        /// A new follow through a department's code.
        QrCode = "qrcode",
        /// An existing follower scanned a department's code.
        Scan = "scan",
        /// A follow without a scene.
        Direct = "direct",
    }
}

crate::text_enum! {
    /// `wechat_followers.status`.
    pub enum FollowerStatus { Following = "following", Gone = "gone" }
}

/// Records a follow or scan; a scan of another department's code rebinds the follower to it.
pub async fn bind(conn: &mut PgConnection, appid: &str, openid: &str, department_id: Option<i64>, source: Source) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO wechat_followers (appid, openid, department_id, source)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (appid, openid) DO UPDATE SET
             department_id = COALESCE(EXCLUDED.department_id, wechat_followers.department_id),
             source = CASE WHEN EXCLUDED.department_id IS NULL THEN wechat_followers.source ELSE EXCLUDED.source END,
             followed_at = CASE WHEN wechat_followers.status = 'gone' THEN now() ELSE wechat_followers.followed_at END,
             status = 'following', unfollowed_at = NULL, updated_at = now()",
        appid,
        openid,
        department_id,
        source.as_str()
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn unfollow(conn: &mut PgConnection, appid: &str, openid: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE wechat_followers SET status = 'gone', unfollowed_at = now(), updated_at = now()
          WHERE appid = $1 AND openid = $2 AND status = 'following'",
        appid,
        openid
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Follower {
    pub openid: String,
    pub source: Source,
    pub status: FollowerStatus,
    pub followed_at: DateTime<Utc>,
    pub unfollowed_at: Option<DateTime<Utc>>,
}

/// A page of a department's followers, newest first, with the total.
pub async fn of_department(conn: &mut PgConnection, department_id: i64, limit: i64, offset: i64) -> sqlx::Result<(Vec<Follower>, i64)> {
    let rows = sqlx::query_as!(
        Follower,
        r#"SELECT openid, source AS "source: Source", status AS "status: FollowerStatus", followed_at, unfollowed_at
             FROM wechat_followers
            WHERE department_id = $1 ORDER BY followed_at DESC, openid LIMIT $2 OFFSET $3"#,
        department_id,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM wechat_followers WHERE department_id = $1"#, department_id)
        .fetch_one(conn)
        .await?;
    Ok((rows, total))
}
