//! `STORAGE_*` settings.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use crate::config::EnvReader;

pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Where objects live.
#[derive(Debug, Clone)]
pub enum Backend {
    /// `file:///abs/path`: a folder on this machine (created if missing).
    File { root: PathBuf },
    /// `s3://bucket`: any S3-compatible store.
    S3(S3Config),
}

/// An S3-compatible store.
#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    /// `STORAGE_S3_ENDPOINT` (e.g. `https://oss-cn-hangzhou.aliyuncs.com`; unset: AWS itself).
    pub endpoint: Option<String>,
    /// `STORAGE_S3_REGION` (default `us-east-1`).
    pub region: String,
    /// `STORAGE_S3_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `STORAGE_S3_SECRET_ACCESS_KEY` (never logged).
    pub secret_access_key: SecretString,
    /// `STORAGE_S3_VIRTUAL_HOSTED`: `bucket.endpoint/key` instead of `endpoint/bucket/key` (default false).
    pub virtual_hosted: bool,
}

/// Object storage: the backend and the limits of what goes in.
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// `STORAGE_URL`.
    pub backend: Backend,
    /// `STORAGE_MAX_BYTES`: largest object accepted (default 10 MiB).
    pub max_bytes: u64,
    /// `STORAGE_PUBLIC_BASE`: a URL under which every key is publicly readable (a CDN or a public
    /// bucket); when set, stored files answer `<base>/<key>` as their URL.
    pub public_base: Option<String>,
    /// `STORAGE_PRESIGN_TTL_SECS`: lifetime of a presigned download URL on S3 (default 300).
    pub presign_ttl: Duration,
}

impl StorageConfig {
    /// `None` when `STORAGE_URL` is unset (uploads answer 503 and avatar jobs fail permanently).
    pub fn read(env: &mut EnvReader) -> Option<Self> {
        let url: Option<String> = env.maybe("STORAGE_URL");
        let max_bytes = env.optional("STORAGE_MAX_BYTES", DEFAULT_MAX_BYTES);
        let public_base: Option<String> = env.maybe("STORAGE_PUBLIC_BASE");
        let presign_secs = env.optional("STORAGE_PRESIGN_TTL_SECS", 300u64);
        if max_bytes == 0 {
            env.invalid("STORAGE_MAX_BYTES", "must be at least 1");
        }
        if !(1..=7 * 24 * 3600).contains(&presign_secs) {
            env.invalid("STORAGE_PRESIGN_TTL_SECS", "must be from 1 to 604800 (seven days, the S3 maximum)");
        }
        if public_base.as_deref().is_some_and(|b| !b.starts_with("http://") && !b.starts_with("https://")) {
            env.invalid("STORAGE_PUBLIC_BASE", "must be an http(s) URL");
        }
        let backend = match url.as_deref().map(parse_url)? {
            Ok(Parsed::File(root)) => Backend::File { root },
            Ok(Parsed::S3(bucket)) => Backend::S3(read_s3(env, bucket)?),
            Err(why) => {
                env.invalid("STORAGE_URL", why);
                return None;
            }
        };
        Some(Self {
            backend,
            max_bytes,
            public_base: public_base.map(|b| b.trim_end_matches('/').to_owned()),
            presign_ttl: Duration::from_secs(presign_secs),
        })
    }

    /// A local folder with the defaults (tests).
    pub fn file(root: impl Into<PathBuf>) -> Self {
        Self { backend: Backend::File { root: root.into() }, max_bytes: DEFAULT_MAX_BYTES, public_base: None, presign_ttl: Duration::from_secs(300) }
    }
}

fn read_s3(env: &mut EnvReader, bucket: String) -> Option<S3Config> {
    let endpoint: Option<String> = env.maybe("STORAGE_S3_ENDPOINT");
    let region = env.optional("STORAGE_S3_REGION", "us-east-1".to_owned());
    let virtual_hosted = env.optional("STORAGE_S3_VIRTUAL_HOSTED", false);
    let access_key_id: Option<String> = env.required("STORAGE_S3_ACCESS_KEY_ID");
    let secret_access_key = env.secret("STORAGE_S3_SECRET_ACCESS_KEY");
    if endpoint.as_deref().is_some_and(|e| !e.starts_with("http://") && !e.starts_with("https://")) {
        env.invalid("STORAGE_S3_ENDPOINT", "must be an http(s) URL");
    }
    Some(S3Config { bucket, endpoint, region, access_key_id: access_key_id?, secret_access_key: secret_access_key?, virtual_hosted })
}

enum Parsed {
    File(PathBuf),
    S3(String),
}

fn parse_url(url: &str) -> Result<Parsed, String> {
    if let Some(path) = url.strip_prefix("file://") {
        let root = PathBuf::from(path);
        if !root.is_absolute() {
            return Err(format!("`{url}`: a file URL needs an absolute path (file:///…)"));
        }
        return Ok(Parsed::File(root));
    }
    if let Some(bucket) = url.strip_prefix("s3://") {
        let bucket = bucket.trim_end_matches('/');
        if bucket.is_empty() || bucket.contains('/') {
            return Err(format!("`{url}`: expected s3://<bucket>"));
        }
        return Ok(Parsed::S3(bucket.to_owned()));
    }
    Err(format!("`{url}`: expected file:///<absolute path> or s3://<bucket>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls() {
        assert!(matches!(parse_url("file:///var/lib/yizhan"), Ok(Parsed::File(p)) if p == std::path::Path::new("/var/lib/yizhan")));
        assert!(matches!(parse_url("s3://avatars/"), Ok(Parsed::S3(b)) if b == "avatars"));
        assert!(parse_url("file://relative/path").is_err());
        assert!(parse_url("s3://").is_err());
        assert!(parse_url("s3://bucket/prefix").is_err());
        assert!(parse_url("gs://bucket").is_err());
    }
}
