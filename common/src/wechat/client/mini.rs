//! Mini Program login: `jscode2session`. A code is single-use: callers must never retry an
//! exchange whose request may have reached WeChat ([`WechatError::may_have_reached_wechat`]).

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{App, WechatClient, WechatError};

/// The result of a code exchange; the session key never appears in `Debug`.
#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    pub openid: String,
    pub session_key: SecretString,
    #[serde(default)]
    pub unionid: Option<String>,
}

impl WechatClient {
    /// Exchanges a `wx.login` code for the user's openid (and session key).
    pub async fn jscode2session(&self, js_code: &str) -> Result<Session, WechatError> {
        let js_code = js_code.trim();
        if js_code.is_empty() || js_code.len() > 128 {
            return Err(WechatError::Invalid("js_code: must be 1 to 128 characters".into()));
        }
        let creds = self.app(App::Mini)?;
        let query = [
            ("appid", creds.appid.as_str()),
            ("secret", creds.secret.expose_secret()),
            ("js_code", js_code),
            ("grant_type", "authorization_code"),
        ];
        let session: Session = self.http().get("jscode2session", "/sns/jscode2session", &query).await?;
        tracing::debug!(wechat.openid = %crate::mask::openid(&session.openid), "exchanged a js_code");
        Ok(session)
    }
}
