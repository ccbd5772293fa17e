//! Planning an avatar fetch inside the business transaction: the log row and the outbox job.

use sqlx::PgConnection;

use crate::jobs::kinds::StoreAvatar;
use crate::outbox::Enqueue;

/// A planned fetch (`outbox_id` is `None` when the key was planned before: nothing new written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedAvatar {
    pub fetch_id: i64,
    pub outbox_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanAvatarError {
    /// Not an absolute http(s) URL: refuse rather than enqueue a doomed fetch.
    #[error("not an http(s) URL")]
    InvalidUrl,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Plans fetching and storing the image at `source_url`, once per `idempotency_key` (e.g.
/// `koala_staff:<id>:<avatar url>`).
pub async fn plan_avatar(conn: &mut PgConnection, idempotency_key: &str, source_url: &str) -> Result<PlannedAvatar, PlanAvatarError> {
    let url = reqwest::Url::parse(source_url.trim()).map_err(|_| PlanAvatarError::InvalidUrl)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(PlanAvatarError::InvalidUrl);
    }
    let inserted: Option<i64> = sqlx::query_scalar!(
        "INSERT INTO avatar_fetches (idempotency_key, source_url) VALUES ($1, $2)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        idempotency_key,
        url.as_str()
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(fetch_id) = inserted else {
        let fetch_id =
            sqlx::query_scalar!("SELECT id FROM avatar_fetches WHERE idempotency_key = $1", idempotency_key).fetch_one(&mut *conn).await?;
        return Ok(PlannedAvatar { fetch_id, outbox_id: None });
    };
    let outbox_id = StoreAvatar { fetch_id }.enqueue_keyed(conn, format!("avatar_fetch:{fetch_id}")).await?;
    Ok(PlannedAvatar { fetch_id, outbox_id })
}

/// The URL of the stored avatar planned under `idempotency_key`, once it is stored.
pub async fn stored_avatar_url(conn: &mut PgConnection, idempotency_key: &str) -> sqlx::Result<Option<String>> {
    let url: Option<Option<String>> = sqlx::query_scalar!("SELECT url FROM avatar_fetches WHERE idempotency_key = $1 AND status = 'stored'", idempotency_key)
        .fetch_optional(conn)
        .await?;
    Ok(url.flatten())
}
