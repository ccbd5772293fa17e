//! `AVATAR_*` settings.

use std::time::Duration;

use crate::config::EnvReader;

/// How avatar images are fetched.
#[derive(Debug, Clone)]
pub struct AvatarConfig {
    /// `AVATAR_FETCH_TIMEOUT_MS`: the whole fetch, body included (default 10000).
    pub timeout: Duration,
    /// `AVATAR_MAX_BYTES`: largest image accepted (default 2 MiB; never above `STORAGE_MAX_BYTES`).
    pub max_bytes: u64,
    /// `AVATAR_FETCH_MAX_REDIRECTS`: redirects followed, each checked like the first URL (default 3).
    pub max_redirects: usize,
    /// `AVATAR_FETCH_ALLOW_PRIVATE`: also fetch from loopback and private ranges (default false;
    /// `scripts/dev` and the tests set it, the simulator being on loopback). Link-local (cloud
    /// metadata), unspecified, multicast and broadcast addresses are refused even then.
    pub allow_private: bool,
}

impl Default for AvatarConfig {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(10), max_bytes: 2 * 1024 * 1024, max_redirects: 3, allow_private: false }
    }
}

impl AvatarConfig {
    pub fn read(env: &mut EnvReader) -> Self {
        let d = Self::default();
        let timeout_ms = env.optional("AVATAR_FETCH_TIMEOUT_MS", d.timeout.as_millis() as u64);
        let max_bytes = env.optional("AVATAR_MAX_BYTES", d.max_bytes);
        let max_redirects = env.optional("AVATAR_FETCH_MAX_REDIRECTS", d.max_redirects);
        let allow_private = env.optional("AVATAR_FETCH_ALLOW_PRIVATE", d.allow_private);
        if timeout_ms == 0 {
            env.invalid("AVATAR_FETCH_TIMEOUT_MS", "must be at least 1");
        }
        if max_bytes == 0 {
            env.invalid("AVATAR_MAX_BYTES", "must be at least 1");
        }
        Self { timeout: Duration::from_millis(timeout_ms.max(1)), max_bytes, max_redirects: max_redirects.min(10), allow_private }
    }
}
