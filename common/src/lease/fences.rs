//! Fencing enforced by PostgreSQL: each fenced resource has a row in `fences` holding the newest
//! token that wrote to it. An effect claims the row in its own transaction with
//! `fence <= token`: a holder whose lease passed to a newer token is refused there, where the
//! write happens, however long it was paused. The row lock also orders the holders' effects.
//! The row is also the floor the lease's token counter is seeded from when Redis lost it.

use sqlx::{PgConnection, PgPool};

use super::FencingToken;

/// Why a fenced write was refused.
#[derive(Debug, thiserror::Error)]
pub enum FenceError {
    /// A newer holder has written (or taken the lease): this token is stale.
    #[error("fencing token {token} is stale: resource `{resource}` is fenced at {current}")]
    Stale { resource: String, token: FencingToken, current: FencingToken },
    #[error("fence check failed: {0}")]
    Db(#[from] sqlx::Error),
}

/// Claims `resource` for `token` in the caller's transaction: succeeds when no newer token has
/// claimed it, and raises the fence to `token`. The row stays locked until the transaction ends.
pub async fn claim(conn: &mut PgConnection, resource: &str, token: FencingToken) -> Result<(), FenceError> {
    let value = i64::try_from(token.0).unwrap_or(i64::MAX);
    let claimed: Option<i64> = sqlx::query_scalar!(
        "INSERT INTO fences (resource, fence) VALUES ($1, $2)
         ON CONFLICT (resource) DO UPDATE SET fence = EXCLUDED.fence, updated_at = now()
          WHERE fences.fence <= EXCLUDED.fence
         RETURNING fence",
        resource,
        value
    )
    .fetch_optional(&mut *conn)
    .await?;
    if claimed.is_some() {
        return Ok(());
    }
    let current: i64 = sqlx::query_scalar!("SELECT fence FROM fences WHERE resource = $1", resource).fetch_one(&mut *conn).await?;
    metrics::counter!(crate::metrics::names::FENCE_REFUSED, "resource" => resource.to_owned()).increment(1);
    Err(FenceError::Stale { resource: resource.to_owned(), token, current: FencingToken(u64::try_from(current).unwrap_or(0)) })
}

/// Claims `resource` for `token` in a transaction of its own (a new holder announcing itself).
pub async fn claim_now(pool: &PgPool, resource: &str, token: FencingToken) -> Result<(), FenceError> {
    let mut tx = pool.begin().await?;
    claim(&mut tx, resource, token).await?;
    tx.commit().await?;
    Ok(())
}

/// The newest token that claimed `resource` (0 when none has).
pub async fn floor(pool: &PgPool, resource: &str) -> sqlx::Result<u64> {
    let fence: Option<i64> = sqlx::query_scalar!("SELECT fence FROM fences WHERE resource = $1", resource).fetch_optional(pool).await?;
    Ok(fence.and_then(|f| u64::try_from(f).ok()).unwrap_or(0))
}
