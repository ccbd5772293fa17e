//! `SMS_*` settings.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;

use crate::config::EnvReader;

pub const DEFAULT_ENDPOINT: &str = "https://dysmsapi.aliyuncs.com/";

/// Which signature the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureVersion {
    /// `ACS3-HMAC-SHA256` in the `Authorization` header (the current scheme; default).
    V3,
    /// `HMAC-SHA1` as a `Signature` parameter.
    V1,
}

impl FromStr for SignatureVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "v3" => Ok(Self::V3),
            "v1" => Ok(Self::V1),
            other => Err(format!("expected `v3` or `v1`, got `{other}`")),
        }
    }
}

/// Aliyun SMS: where, as whom, and which template each message kind uses.
#[derive(Debug, Clone)]
pub struct SmsConfig {
    /// `SMS_ENDPOINT` (default the public endpoint; point it at `yizhan-sim` in development).
    pub endpoint: String,
    /// `SMS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `SMS_ACCESS_KEY_SECRET` (never logged).
    pub access_key_secret: SecretString,
    /// `SMS_SIGN_NAME`: the approved signature shown in front of every message.
    pub sign_name: String,
    /// `SMS_TEMPLATE_<KIND>`: template code per message kind (kind lowercased: `SMS_TEMPLATE_VISIT_CODE`
    /// → `visit_code`).
    pub templates: BTreeMap<String, String>,
    /// `SMS_SIGNATURE_VERSION`: `v3` (default) or `v1`.
    pub signature_version: SignatureVersion,
    /// `SMS_HTTP_TIMEOUT_MS` (default 10000).
    pub timeout: Duration,
}

impl SmsConfig {
    /// `None` when SMS is not configured (no `SMS_ACCESS_KEY_ID`); a half configuration is an error.
    pub fn read(env: &mut EnvReader) -> Option<Self> {
        let endpoint = env.optional("SMS_ENDPOINT", DEFAULT_ENDPOINT.to_owned());
        let signature_version = env.optional("SMS_SIGNATURE_VERSION", SignatureVersion::V3);
        let timeout_ms = env.optional("SMS_HTTP_TIMEOUT_MS", 10_000u64);
        let id: Option<String> = env.maybe("SMS_ACCESS_KEY_ID");
        let secret = EnvReader::maybe_secret("SMS_ACCESS_KEY_SECRET");
        let sign_name: Option<String> = env.maybe("SMS_SIGN_NAME");
        let templates: BTreeMap<String, String> = std::env::vars()
            .filter_map(|(k, v)| {
                let kind = k.strip_prefix("SMS_TEMPLATE_")?.to_ascii_lowercase();
                (!kind.is_empty() && !v.trim().is_empty()).then(|| (kind, v.trim().to_owned()))
            })
            .collect();
        if !endpoint.starts_with("http://") && !endpoint.starts_with("https://") {
            env.invalid("SMS_ENDPOINT", "must be an http(s) URL");
        }
        match (id, secret, sign_name) {
            (None, None, _) => None,
            (Some(access_key_id), Some(access_key_secret), Some(sign_name)) => Some(Self {
                endpoint,
                access_key_id,
                access_key_secret,
                sign_name,
                templates,
                signature_version,
                timeout: Duration::from_millis(timeout_ms),
            }),
            _ => {
                env.invalid("SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET and SMS_SIGN_NAME go together");
                None
            }
        }
    }

    /// The template code of a message kind.
    pub fn template(&self, kind: &str) -> Option<&str> {
        self.templates.get(kind).map(String::as_str)
    }
}
