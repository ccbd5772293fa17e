//! The client against an in-test fake WeChat on loopback and the shared test Redis
//! (`REDIS_URL`); every test uses its own key prefix and removes its keys.

mod fake;
mod ops;
mod token;

use std::time::Duration;

use rand::RngCore;
use crate::redis_conn::RedisConn;
use secrecy::SecretString;

use super::{AppCredentials, WechatClient, WechatConfig};
use crate::redis_conn::{connect, RedisTimeouts};

pub const MP_APPID: &str = "wx-test-mp";
pub const MINI_APPID: &str = "wx-test-mini";

pub struct Env {
    pub fake: fake::Fake,
    pub base: String,
    pub prefix: String,
}

pub async fn redis() -> RedisConn {
    let url = std::env::var("REDIS_URL").expect("REDIS_URL must point at a test Redis");
    connect(&SecretString::from(url), RedisTimeouts::default()).await.expect("test Redis reachable")
}

pub fn config(base: &str, timeout: Duration) -> WechatConfig {
    WechatConfig {
        api_base: base.to_owned(),
        mp: Some(AppCredentials { appid: MP_APPID.into(), secret: SecretString::from("mp-secret") }),
        mp_token: None,
        mp_aes_key: None,
        mp_callback_mode: crate::wechat::callback::CallbackMode::Plain,
        mp_callback_max_age: std::time::Duration::from_secs(300),
        mini: Some(AppCredentials { appid: MINI_APPID.into(), secret: SecretString::from("mini-secret") }),
        http_timeout: timeout,
    }
}

impl Env {
    pub async fn start() -> Self {
        let (fake, base) = fake::start().await;
        let mut bytes = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self { fake, base, prefix: format!("test-wechat-{}", hex::encode(bytes)) }
    }

    /// A client with its own Redis connection: one "worker process".
    pub async fn client(&self) -> WechatClient {
        self.client_with_timeout(Duration::from_secs(5)).await
    }

    pub async fn client_with_timeout(&self, timeout: Duration) -> WechatClient {
        WechatClient::new(&config(&self.base, timeout), redis().await, &self.prefix).expect("client")
    }

    /// Removes every key this test wrote.
    pub async fn cleanup(self) {
        let mut conn = redis().await;
        crate::redis_scan::delete_matching(&mut conn, &format!("{}:*", self.prefix)).await.expect("clean up");
    }
}
