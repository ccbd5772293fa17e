//! The WeChat simulator in this process, and an app whose WeChat client and job services point
//! at it, so a test can act through the API and then see what reached "WeChat".

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{json, Value};
use sqlx::PgPool;
use yizhan_common::jobs::JobServices;
use yizhan_common::queue::RedisQueue;
use yizhan_common::redis_conn::{self, RedisTimeouts};
use yizhan_common::wechat::client::{AppCredentials, WechatClient, WechatConfig};
use yizhan_sim::{SimConfig, SimServer};

use super::{config, redis_url, TestApp};

pub struct Sim {
    pub base: String,
    http: reqwest::Client,
    _sim: yizhan_sim::RunningSim,
}

impl Sim {
    pub async fn start() -> Self {
        let running = SimServer::spawn(SimConfig::for_tests()).await.expect("simulator");
        let base = running.base.clone();
        Self { base, http: reqwest::Client::new(), _sim: running }
    }

    /// The Mini Program's WeChat settings, pointed at this simulator.
    pub fn wechat_config(&self) -> WechatConfig {
        WechatConfig {
            api_base: self.base.clone(),
            mp: None,
            mp_token: None,
            mp_aes_key: None,
            mp_callback_mode: yizhan_common::wechat::callback::CallbackMode::Plain,
            mp_callback_max_age: Duration::from_secs(300),
            mini: Some(AppCredentials { appid: "wxsimmini".into(), secret: SecretString::from("sim-mini-secret") }),
            http_timeout: Duration::from_secs(5),
        }
    }

    /// An app on `pool` whose WeChat client calls this simulator.
    pub fn app(&self, pool: PgPool) -> TestApp {
        let mut cfg = config(&redis_url());
        cfg.wechat = Some(self.wechat_config());
        TestApp::with_config(pool, cfg)
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let res = self.http.post(format!("{}{path}", self.base)).json(&body).send().await.expect("sim");
        res.json().await.expect("sim JSON")
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http.get(format!("{}{path}", self.base)).send().await.expect("sim").json().await.expect("sim JSON")
    }

    /// A fresh code for a (new or given) Mini Program user: (openid, code).
    pub async fn code(&self, openid: Option<&str>) -> (String, String) {
        let v = self.post("/_sim/users", json!({"appid": "wxsimmini", "openid": openid})).await;
        (v["openid"].as_str().expect("openid").into(), v["code"].as_str().expect("code").into())
    }

    /// What tapping "accept" records on the phone: `count` sends of `template` to `openid`.
    pub async fn grant(&self, openid: &str, template: &str, count: u32) {
        self.post("/_sim/grants", json!({"openid": openid, "templateId": template, "count": count})).await;
    }

    /// The messages delivered to `openid`.
    pub async fn messages_to(&self, openid: &str) -> Vec<Value> {
        let v = self.get(&format!("/_sim/messages?touser={openid}")).await;
        v["messages"].as_array().cloned().unwrap_or_default()
    }

    /// How many `jscode2session` calls reached the simulator.
    pub async fn exchanges(&self) -> u64 {
        self.get("/_sim/stats").await["calls"]["jscode2session"].as_u64().unwrap_or(0)
    }
}

impl TestApp {
    /// Runs every job the app's actions enqueued (and the jobs those enqueue) in this process,
    /// with the app's WeChat settings (e.g. the simulator's), until none is pending or running.
    pub async fn run_pending_jobs(&self) {
        // The pushes that requests handed off (`Enqueued::commit`) land first.
        self.state.pusher.flush().await;
        let (queue, services) = self.job_services().await;
        yizhan_worker::drain::run_pending_jobs(&queue, services, Duration::from_secs(20)).await.expect("jobs drained");
    }

    /// A worker on every queue in this process until stopped (for requests that wait for a job).
    pub async fn start_worker(&self) -> yizhan_worker::drain::RunningWorker {
        let (queue, services) = self.job_services().await;
        yizhan_worker::drain::start_worker(&queue, services)
    }

    async fn job_services(&self) -> (RedisQueue, Arc<JobServices>) {
        let cfg = &self.state.config;
        let redis = redis_conn::connect(&cfg.core.redis_url, RedisTimeouts::default()).await.expect("redis");
        let prefix = cfg.core.redis_prefix.as_str();
        let queue = RedisQueue::new(redis.clone(), prefix, cfg.queue.clone());
        let wechat = cfg.wechat.as_ref().map(|w| WechatClient::new(w, redis.clone(), prefix).expect("WeChat client"));
        let sms = self.sms.clone().map(|c| yizhan_common::sms::SmsClient::new(c).expect("SMS client"));
        let koala = cfg.koala.clone().map(|c| yizhan_common::koala::KoalaClient::new(c).expect("Koala client"));
        let storage = cfg.storage.clone().map(|c| yizhan_common::storage::Storage::new(c).expect("storage"));
        let avatar_config = yizhan_common::avatar::AvatarConfig { allow_private: true, ..Default::default() };
        let avatars = storage.as_ref().map(|_| yizhan_common::avatar::AvatarFetcher::new(avatar_config).expect("avatar fetcher"));
        let services = JobServices::new(self.pool.clone(), redis, prefix)
            .with_wechat(wechat)
            .with_templates(cfg.templates.clone())
            .with_sms(sms)
            .with_koala(koala)
            .with_storage(storage, avatars);
        (queue, Arc::new(services))
    }
}
