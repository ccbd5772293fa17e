//! Web OAuth of the Official Account: the authorize URL and the code exchange
//! (`GET /sns/oauth2/access_token`). Codes are single-use, like js_codes.

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{App, WechatClient, WechatError};

/// `snsapi_base` (silent, openid only) or `snsapi_userinfo` (asks the user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthScope {
    Base,
    UserInfo,
}

impl OAuthScope {
    fn as_str(self) -> &'static str {
        match self {
            Self::Base => "snsapi_base",
            Self::UserInfo => "snsapi_userinfo",
        }
    }
}

/// The user's web access token (secret) and openid.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthToken {
    pub access_token: SecretString,
    pub expires_in: u64,
    pub refresh_token: SecretString,
    pub openid: String,
    pub scope: String,
    #[serde(default)]
    pub unionid: Option<String>,
}

/// The URL to send the user's browser to.
pub fn authorize_url(appid: &str, redirect_uri: &str, scope: OAuthScope, state: &str) -> String {
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    format!(
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid={}&redirect_uri={}&response_type=code&scope={}&state={}#wechat_redirect",
        enc(appid),
        enc(redirect_uri),
        scope.as_str(),
        enc(state)
    )
}

/// `/sns/userinfo`: what `snsapi_userinfo` lets us read.
#[derive(Debug, Clone, Deserialize)]
pub struct SnsUser {
    pub openid: String,
    #[serde(default)]
    pub nickname: String,
    /// The avatar URL on WeChat's servers (empty when the user has none).
    #[serde(default)]
    pub headimgurl: String,
}

impl WechatClient {
    /// The nickname and avatar of the user an `snsapi_userinfo` web token belongs to.
    pub async fn oauth_userinfo(&self, token: &OAuthToken) -> Result<SnsUser, WechatError> {
        let query = [("access_token", token.access_token.expose_secret()), ("openid", token.openid.as_str()), ("lang", "zh_CN")];
        self.http().get("sns_userinfo", "/sns/userinfo", &query).await
    }

    /// Exchanges a web OAuth code for the user's openid and web token.
    pub async fn oauth_exchange(&self, code: &str) -> Result<OAuthToken, WechatError> {
        let code = code.trim();
        if code.is_empty() || code.len() > 128 {
            return Err(WechatError::Invalid("code: must be 1 to 128 characters".into()));
        }
        let creds = self.app(App::Mp)?;
        let query = [
            ("appid", creds.appid.as_str()),
            ("secret", creds.secret.expose_secret()),
            ("code", code),
            ("grant_type", "authorization_code"),
        ];
        self.http().get("oauth_access_token", "/sns/oauth2/access_token", &query).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_encodes_the_redirect() {
        let url = authorize_url("wx1", "https://h.example/cb?x=1", OAuthScope::Base, "s 1");
        assert_eq!(
            url,
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1&redirect_uri=https%3A%2F%2Fh%2Eexample%2Fcb%3Fx%3D1&response_type=code&scope=snsapi_base&state=s%201#wechat_redirect"
        );
    }
}
