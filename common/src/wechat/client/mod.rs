//! The WeChat API client: shared access tokens, one method per operation, typed errors.

mod config;
mod custom;
mod error;
mod http;
mod jsapi;
mod keyword;
mod mass;
pub mod material;
pub mod media;
mod menu;
mod mini;
mod oauth;
mod qrcode;
mod subscribe;
mod tags;
mod template;
mod token;
mod users;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::redis_conn::RedisConn;
use secrecy::ExposeSecret;
use serde::Deserialize;

pub use config::{AppCredentials, WechatConfig, DEFAULT_API_BASE};
pub use custom::CustomMessage;
pub use error::WechatError;
pub use http::mask_url;
pub use jsapi::{jsapi_signature, JsSdkConfig, JSAPI_FAMILY};
pub use keyword::{prepare_keyword, KeywordType};
pub use mass::{MassContent, MassSendResult};
pub use mini::Session;
pub use oauth::{authorize_url, OAuthScope, OAuthToken, SnsUser};
pub use qrcode::{showqrcode_url, QrCode, QrRequest, QrScene};
pub use subscribe::SubscribeMessage;
pub use material::{Material, NewsArticle};
pub use media::{MediaType, TempMedia};
pub use tags::{Tag, MAX_TAGGING};
pub use template::{MiniProgramLink, TemplateMessage, TemplateValue};
pub use token::{cache_ttl, FetchedToken, TokenCache, TokenState, EXPIRY_MARGIN_SECS};
pub use users::UserInfo;

use crate::wechat::errcode::ErrClass;
use http::Http;

/// Which of the two apps an operation acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// The Official Account (`WECHAT_MP_*`).
    Mp,
    /// The Mini Program (`WECHAT_MINI_*`).
    Mini,
}

/// The client (cheap to clone; one per process, shared by every job).
#[derive(Clone, Debug)]
pub struct WechatClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: Http,
    mp: Option<AppCredentials>,
    mini: Option<AppCredentials>,
    tokens: TokenCache,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

impl WechatClient {
    /// `redis_prefix` is the deployment's key prefix (`REDIS_PREFIX`).
    pub fn new(config: &WechatConfig, redis: RedisConn, redis_prefix: &str) -> Result<Self, WechatError> {
        let http = Http::new(&config.api_base, config.http_timeout)?;
        let tokens = TokenCache::new(redis, redis_prefix, config.http_timeout + Duration::from_secs(2));
        Ok(Self { inner: Arc::new(Inner { http, mp: config.mp.clone(), mini: config.mini.clone(), tokens }) })
    }

    fn http(&self) -> &Http {
        &self.inner.http
    }

    fn app(&self, app: App) -> Result<&AppCredentials, WechatError> {
        let creds = match app {
            App::Mp => self.inner.mp.as_ref(),
            App::Mini => self.inner.mini.as_ref(),
        };
        creds.ok_or(WechatError::NotConfigured(match app {
            App::Mp => "WECHAT_MP_APPID/WECHAT_MP_SECRET",
            App::Mini => "WECHAT_MINI_APPID/WECHAT_MINI_SECRET",
        }))
    }

    /// The appid of `app`, when it is configured.
    pub fn appid(&self, app: App) -> Option<&str> {
        self.app(app).ok().map(|c| c.appid.as_str())
    }

    /// The token cache (for inspection and tests).
    pub fn tokens(&self) -> &TokenCache {
        &self.inner.tokens
    }

    /// The shared access token of `app`, fetched with stable_token (normal mode) on a miss.
    pub async fn access_token(&self, app: App) -> Result<String, WechatError> {
        let creds = self.app(app)?;
        let fetch = || async move {
            let body = serde_json::json!({
                "grant_type": "client_credential",
                "appid": creds.appid,
                "secret": creds.secret.expose_secret(),
                "force_refresh": false,
            });
            let answer: TokenAnswer = self.http().post("stable_token", "/cgi-bin/stable_token", &[], &body).await?;
            Ok(FetchedToken { access_token: answer.access_token, expires_in: answer.expires_in })
        };
        self.inner.tokens.get(&creds.appid, fetch).await
    }

    /// Runs `call` with the shared token; on a token errcode, deletes that token only if it is still
    /// the cached one, takes the current (or a freshly fetched) token and tries exactly once more.
    async fn with_token<T, F, Fut>(&self, app: App, call: F) -> Result<T, WechatError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, WechatError>>,
    {
        let token = self.access_token(app).await?;
        match call(token.clone()).await {
            Err(err) if err.class() == ErrClass::TokenInvalid => {
                let appid = &self.app(app)?.appid;
                self.inner.tokens.invalidate(appid, &token).await?;
                let fresh = self.access_token(app).await?;
                call(fresh).await
            }
            other => other,
        }
    }
}

/// The `{errcode, errmsg}` answer of operations that return nothing else.
#[derive(Debug, Deserialize)]
pub(crate) struct Ack {}
