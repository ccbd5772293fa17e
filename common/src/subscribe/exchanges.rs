//! `wxCode` exchanges as sends see them: a send without an openid waits while its user's exchange
//! is pending, and the exchange, once finished, makes those sends due at once (no timer). A send
//! planned for a user who has no openid yet while an exchange is pending is not run at once (it
//! could only wait): its job is a fallback due after [`EXCHANGE_POLL`], and the exchange's
//! completion is what starts it.

use std::time::Duration;

use sqlx::PgConnection;

use crate::jobs::kinds::{ExchangeWxCode, SendSubscribeMessage};
use crate::job_contract::Job;
use crate::outbox::Enqueue;

/// A pending exchange older than this is treated as failed (a code lives five minutes).
pub const EXCHANGE_BOUND: Duration = Duration::from_secs(600);

/// How long a send waiting on a pending code exchange sleeps at most; the exchange makes it due
/// at once when it finishes, so this only bounds a lost exchange job.
pub const EXCHANGE_POLL: Duration = Duration::from_secs(30);

crate::text_enum! {
    /// `wx_code_exchanges.status`.
    pub enum ExchangeStatus { Pending = "pending", Done = "done", Failed = "failed" }
}

/// Records an exchange and writes its job (in the business transaction); returns the outbox id.
pub async fn plan_exchange(conn: &mut PgConnection, user_id: i64, code: &str) -> sqlx::Result<Option<i64>> {
    let exchange_id = sqlx::query_scalar!("INSERT INTO wx_code_exchanges (user_id) VALUES ($1) RETURNING id", user_id)
        .fetch_one(&mut *conn)
        .await?;
    ExchangeWxCode { user_id, code: code.to_owned(), exchange_id: Some(exchange_id) }.enqueue(conn).await
}

/// True while an exchange of the user's may still bring an openid. Waits for an exchange that is
/// finishing right now (its row lock), so a caller never misses a wake-up.
pub async fn exchange_pending(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<bool> {
    let pending = sqlx::query_scalar!(
        "SELECT id FROM wx_code_exchanges
          WHERE user_id = $1 AND status = 'pending' AND created_at > now() - make_interval(secs => $2) FOR SHARE",
        user_id,
        EXCHANGE_BOUND.as_secs_f64()
    )
    .fetch_all(conn)
    .await?;
    Ok(!pending.is_empty())
}

/// True when a send for the user planned now could only wait: no openid is bound yet and an
/// exchange that may bring one is pending (locked as in [`exchange_pending`], so an exchange
/// finishing meanwhile waits for the caller's commit and then sees, and wakes, its send).
pub async fn awaits_exchange(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<bool> {
    let bound = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM wechat_identities WHERE user_id = $1) AS "bound!""#, user_id)
        .fetch_one(&mut *conn)
        .await?;
    if bound {
        return Ok(false);
    }
    exchange_pending(conn, user_id).await
}

/// Marks the exchange finished (`done` or `failed`) and writes a job for each of the user's
/// pending sends, due now; returns the outbox ids to push after commit. A send that already ran
/// finds its row final (or claimed) and does nothing.
pub async fn finish_exchange(conn: &mut PgConnection, exchange_id: i64, user_id: i64, ok: bool) -> sqlx::Result<Vec<i64>> {
    let status = if ok { ExchangeStatus::Done } else { ExchangeStatus::Failed };
    sqlx::query!(
        "UPDATE wx_code_exchanges SET status = $2, finished_at = now() WHERE id = $1 AND status = 'pending'",
        exchange_id,
        status.as_str()
    )
    .execute(&mut *conn)
    .await?;
    let waiting = sqlx::query_scalar!("SELECT id FROM subscribe_sends WHERE user_id = $1 AND status = 'pending' ORDER BY id", user_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut ids = Vec::with_capacity(waiting.len());
    for send_id in waiting {
        let key = format!("{}:{send_id}:exchange:{exchange_id}", SendSubscribeMessage::KIND);
        ids.extend(SendSubscribeMessage { send_id }.enqueue_keyed(conn, key).await?);
    }
    Ok(ids)
}
