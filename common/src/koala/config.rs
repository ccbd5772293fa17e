//! `KOALA_*` settings.

use std::time::Duration;

use secrecy::SecretString;

use crate::config::EnvReader;

/// Where Koala is and whom to log in as.
#[derive(Debug, Clone)]
pub struct KoalaConfig {
    /// `KOALA_BASE`: the Koala server, e.g. `http://10.0.0.5` (point it at `yizhan-sim` in development).
    pub base: String,
    /// `KOALA_USERNAME`: the admin account the client logs in as.
    pub username: String,
    /// `KOALA_PASSWORD` (never logged nor returned).
    pub password: SecretString,
    /// `KOALA_TIMEOUT_MS`: timeout of every call, login included (default 5000).
    pub timeout: Duration,
    /// `KOALA_PURPOSE_CACHE_SECS`: how long the visit purposes are kept in-process (default 300;
    /// 0 asks Koala every time).
    pub purpose_cache: Duration,
}

impl KoalaConfig {
    /// `None` when Koala is not configured (no `KOALA_BASE`, `KOALA_USERNAME`, `KOALA_PASSWORD`);
    /// a half configuration is an error.
    pub fn read(env: &mut EnvReader) -> Option<Self> {
        let timeout_ms = env.optional("KOALA_TIMEOUT_MS", 5_000u64);
        let cache_secs = env.optional("KOALA_PURPOSE_CACHE_SECS", 300u64);
        let base: Option<String> = env.maybe("KOALA_BASE");
        let username: Option<String> = env.maybe("KOALA_USERNAME");
        let password = EnvReader::maybe_secret("KOALA_PASSWORD");
        if timeout_ms == 0 {
            env.invalid("KOALA_TIMEOUT_MS", "must be at least 1");
        }
        if base.as_deref().is_some_and(|b| !b.starts_with("http://") && !b.starts_with("https://")) {
            env.invalid("KOALA_BASE", "must be an http(s) URL");
        }
        match (base, username, password) {
            (None, None, None) => None,
            (Some(base), Some(username), Some(password)) => Some(Self {
                base: base.trim_end_matches('/').to_owned(),
                username,
                password,
                timeout: Duration::from_millis(timeout_ms.max(1)),
                purpose_cache: Duration::from_secs(cache_secs),
            }),
            _ => {
                env.invalid("KOALA_BASE", "KOALA_BASE, KOALA_USERNAME and KOALA_PASSWORD go together");
                None
            }
        }
    }
}
