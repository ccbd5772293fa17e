//! Removing a test's own Redis keys (every test writes under its own unique prefix).

/// Deletes every key under `prefix:`; for tests that run outside a runtime.
pub fn delete_prefix_blocking(prefix: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(delete_prefix(prefix));
}

/// Deletes every key under `prefix:`.
pub async fn delete_prefix(prefix: &str) {
    let client = redis::Client::open(crate::env("REDIS_URL")).expect("REDIS_URL");
    let mut conn = client.get_multiplexed_async_connection().await.expect("redis");
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}:*")).query_async(&mut conn).await.expect("keys");
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await.expect("del");
    }
}
