//! The jobs a test's actions enqueued: the outbox rows of one kind, decoded as that kind.

use sqlx::PgPool;

use crate::job_contract::Job;

/// Every job of kind `K` in the outbox, oldest first, decoded from its payload.
pub async fn enqueued<K: Job>(pool: &PgPool) -> Vec<K> {
    let payloads: Vec<serde_json::Value> = sqlx::query_scalar("SELECT payload FROM outbox WHERE kind = $1 ORDER BY id")
        .bind(K::KIND)
        .fetch_all(pool)
        .await
        .expect("read the outbox");
    let decode = |p: serde_json::Value| serde_json::from_value(p).unwrap_or_else(|e| panic!("a {} payload does not decode: {e}", K::KIND));
    payloads.into_iter().map(decode).collect()
}

/// Like [`enqueued`], and fails the test when there is none.
pub async fn assert_enqueued<K: Job>(pool: &PgPool) -> Vec<K> {
    let jobs = enqueued::<K>(pool).await;
    assert!(!jobs.is_empty(), "no {} job was enqueued", K::KIND);
    jobs
}
