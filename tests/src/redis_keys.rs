//! Removing a test's own Redis keys (every test writes under its own unique prefix).

/// Deletes every key under `prefix:`; for tests that run outside a runtime.
pub fn delete_prefix_blocking(prefix: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(delete_prefix(prefix));
}

/// Deletes every key under `prefix:`.
pub async fn delete_prefix(prefix: &str) {
    let url = secrecy::SecretString::from(crate::env("REDIS_URL"));
    let mut conn = yizhan_common::redis_conn::connect(&url, Default::default()).await.expect("redis");
    yizhan_common::redis_scan::delete_matching(&mut conn, &format!("{prefix}:*")).await.expect("clean up");
}
