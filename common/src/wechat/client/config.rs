//! `WechatConfig`: the API base URL, the apps' credentials and the HTTP timeout.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::config::EnvReader;
use crate::wechat::callback::{CallbackCodec, CallbackMode, MessageCrypto, DEFAULT_MAX_AGE};

/// The default API base; point `WECHAT_API_BASE` at the simulator in development and tests.
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";

/// The appid and AppSecret of one WeChat app; the secret never appears in `Debug`.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub appid: String,
    pub secret: SecretString,
}

/// WeChat settings, read once at start-up.
#[derive(Debug, Clone)]
pub struct WechatConfig {
    /// `WECHAT_API_BASE`: base URL of the WeChat API (default `https://api.weixin.qq.com`).
    pub api_base: String,
    /// `WECHAT_MP_APPID` + `WECHAT_MP_SECRET`: the Official Account (optional as a pair).
    pub mp: Option<AppCredentials>,
    /// `WECHAT_MP_TOKEN`: the Official Account's callback token (optional; the callback needs it).
    pub mp_token: Option<SecretString>,
    /// `WECHAT_MP_AES_KEY`: the 43-character EncodingAESKey for safe mode (optional).
    pub mp_aes_key: Option<SecretString>,
    /// `WECHAT_MP_CALLBACK_MODE`: `plain`, `compat` or `safe` (default safe with a key, else plain).
    pub mp_callback_mode: CallbackMode,
    /// `WECHAT_MP_CALLBACK_MAX_AGE_SECS`: how far a callback's timestamp may be from now (default 300).
    pub mp_callback_max_age: Duration,
    /// `WECHAT_MINI_APPID` + `WECHAT_MINI_SECRET`: the Mini Program (optional as a pair).
    pub mini: Option<AppCredentials>,
    /// `WECHAT_HTTP_TIMEOUT_MS`: timeout of every WeChat API call (default 10000).
    pub http_timeout: Duration,
}

impl WechatConfig {
    pub fn read(env: &mut EnvReader) -> Option<Self> {
        let api_base = env.optional("WECHAT_API_BASE", String::from(DEFAULT_API_BASE));
        if !(api_base.starts_with("http://") || api_base.starts_with("https://")) {
            env.invalid("WECHAT_API_BASE", "must start with http:// or https://");
        }
        let mp = pair(env, "WECHAT_MP_APPID", "WECHAT_MP_SECRET");
        let mini = pair(env, "WECHAT_MINI_APPID", "WECHAT_MINI_SECRET");
        let mp_token = EnvReader::maybe_secret("WECHAT_MP_TOKEN");
        let mp_aes_key = EnvReader::maybe_secret("WECHAT_MP_AES_KEY");
        if let Some(key) = &mp_aes_key {
            let appid = mp.as_ref().map_or("", |m| m.appid.as_str());
            if MessageCrypto::new(key.expose_secret(), appid).is_err() {
                env.invalid("WECHAT_MP_AES_KEY", "must be the 43-character EncodingAESKey");
            }
            if mp.is_none() || mp_token.is_none() {
                env.invalid("WECHAT_MP_AES_KEY", "needs WECHAT_MP_APPID, WECHAT_MP_SECRET and WECHAT_MP_TOKEN");
            }
        }
        let mode_default = CallbackMode::default_for(mp_aes_key.is_some());
        let mp_callback_mode = env.optional("WECHAT_MP_CALLBACK_MODE", mode_default);
        if mp_callback_mode.needs_key() && mp_aes_key.is_none() {
            env.invalid("WECHAT_MP_CALLBACK_MODE", format!("`{}` needs WECHAT_MP_AES_KEY", mp_callback_mode.as_str()));
        }
        let max_age_secs = env.optional("WECHAT_MP_CALLBACK_MAX_AGE_SECS", DEFAULT_MAX_AGE.as_secs());
        if max_age_secs == 0 {
            env.invalid("WECHAT_MP_CALLBACK_MAX_AGE_SECS", "must be at least 1");
        }
        let timeout_ms = env.optional("WECHAT_HTTP_TIMEOUT_MS", 10_000u64);
        if timeout_ms == 0 {
            env.invalid("WECHAT_HTTP_TIMEOUT_MS", "must be at least 1");
        }
        Some(Self {
            api_base: api_base.trim_end_matches('/').to_owned(),
            mp,
            mp_token,
            mp_aes_key,
            mp_callback_mode,
            mp_callback_max_age: Duration::from_secs(max_age_secs),
            mini,
            http_timeout: Duration::from_millis(timeout_ms),
        })
    }
}

impl WechatConfig {
    /// The Official Account's callback codec: `None` without `WECHAT_MP_TOKEN` (callbacks off);
    /// the mode and window of `WECHAT_MP_CALLBACK_MODE` / `_MAX_AGE_SECS` (checked by [`Self::read`]).
    pub fn callback_codec(&self) -> Option<CallbackCodec> {
        let token = self.mp_token.clone()?;
        let appid = self.mp.as_ref().map_or("", |m| m.appid.as_str());
        let crypto = self.mp_aes_key.as_ref().and_then(|key| MessageCrypto::new(key.expose_secret(), appid).ok());
        Some(CallbackCodec::new(token, crypto).with_mode(self.mp_callback_mode).with_max_age(self.mp_callback_max_age))
    }
}

/// Both variables or neither.
fn pair(env: &mut EnvReader, appid_var: &str, secret_var: &str) -> Option<AppCredentials> {
    let appid: Option<String> = env.maybe(appid_var);
    let secret = EnvReader::maybe_secret(secret_var);
    match (appid, secret) {
        (Some(appid), Some(secret)) => Some(AppCredentials { appid, secret }),
        (None, None) => None,
        (Some(_), None) => {
            env.invalid(secret_var, format!("is required when {appid_var} is set"));
            None
        }
        (None, Some(_)) => {
            env.invalid(appid_var, format!("is required when {secret_var} is set"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Variable names unique to this test, so parallel tests never see them.
    #[test]
    fn credentials_come_in_pairs() {
        std::env::set_var("YZ_T_WX_PAIR_ID", "wx1");
        std::env::set_var("YZ_T_WX_PAIR_SECRET", "s3cr3t");
        std::env::set_var("YZ_T_WX_HALF_ID", "wx2");
        let mut env = EnvReader::new();
        let both = pair(&mut env, "YZ_T_WX_PAIR_ID", "YZ_T_WX_PAIR_SECRET").expect("pair");
        assert_eq!(both.appid, "wx1");
        assert!(!format!("{both:?}").contains("s3cr3t"));
        assert!(pair(&mut env, "YZ_T_WX_NONE_ID", "YZ_T_WX_NONE_SECRET").is_none());
        assert!(pair(&mut env, "YZ_T_WX_HALF_ID", "YZ_T_WX_HALF_SECRET").is_none());
        let err = env.finish(|| Some(())).expect_err("half a pair is an error");
        assert!(err.to_string().contains("YZ_T_WX_HALF_SECRET"), "{err}");
    }
}
