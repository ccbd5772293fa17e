//! The yizhan-common WeChat client against the simulator: processes sharing one token, one
//! refresh per invalidation, errcode classes, single-use codes and keyword truncation.
//! Needs `REDIS_URL`; each test uses its own key prefix and removes its keys.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::RngCore;
use secrecy::SecretString;
use serde_json::{json, Value};
use yizhan_common::redis_conn::{connect, RedisTimeouts};
use yizhan_common::wechat::client::{AppCredentials, SubscribeMessage, WechatClient, WechatConfig};
use yizhan_common::wechat::errcode::ErrClass;
use yizhan_sim::{SimConfig, SimServer};

struct Harness {
    base: String,
    http: reqwest::Client,
    prefix: String,
    _sim: yizhan_sim::RunningSim,
}

async fn redis() -> yizhan_common::redis_conn::RedisConn {
    let url = std::env::var("REDIS_URL").expect("REDIS_URL must point at a test Redis");
    connect(&SecretString::from(url), RedisTimeouts::default()).await.expect("test Redis reachable")
}

impl Harness {
    async fn start() -> Self {
        let running = SimServer::spawn(SimConfig::for_tests()).await.expect("simulator");
        let base = running.base.clone();
        let mut bytes = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self { base, http: reqwest::Client::new(), prefix: format!("test-wxsim-{}", hex::encode(bytes)), _sim: running }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let res = self.http.post(format!("{}{path}", self.base)).json(&body).send().await.expect("post");
        if res.status() == 204 {
            return Value::Null;
        }
        res.json().await.expect("json")
    }

    async fn stats(&self) -> Value {
        self.http.get(format!("{}/_sim/stats", self.base)).send().await.expect("get").json().await.expect("json")
    }

    async fn fault(&self, op: &str, errcode: i64) {
        self.post("/_sim/faults", json!({"rules": [{"op": op, "errcode": errcode, "times": 1}]})).await;
    }

    /// A client with its own Redis connection: one "worker process".
    async fn client(&self) -> WechatClient {
        let config = WechatConfig {
            api_base: self.base.clone(),
            mp: Some(AppCredentials { appid: "wxsimmp".into(), secret: SecretString::from("sim-mp-secret") }),
            mp_token: None,
            mp_aes_key: None,
            mp_callback_mode: yizhan_common::wechat::callback::CallbackMode::Plain,
            mp_callback_max_age: std::time::Duration::from_secs(300),
            mini: Some(AppCredentials { appid: "wxsimmini".into(), secret: SecretString::from("sim-mini-secret") }),
            http_timeout: Duration::from_secs(5),
        };
        WechatClient::new(&config, redis().await, &self.prefix).expect("client")
    }

    async fn cleanup(self) {
        let mut conn = redis().await;
        yizhan_common::redis_scan::delete_matching(&mut conn, &format!("{}:*", self.prefix)).await.expect("clean up");
    }
}

#[tokio::test]
async fn three_processes_one_fetch_then_one_refresh_after_40001() {
    let h = Harness::start().await;
    let openid = h.post("/_sim/users", json!({"appid": "wxsimmp"})).await["openid"].as_str().expect("openid").to_owned();
    let clients = [h.client().await, h.client().await, h.client().await];
    let results = futures::future::join_all(clients.iter().map(|c| c.user_info(&openid))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(h.stats().await["tokenFetches"], 1, "one fetch shared by three processes");
    h.fault("user_info", 40001).await;
    clients[0].user_info(&openid).await.expect("refreshed and retried");
    let stats = h.stats().await;
    assert_eq!(stats["tokenFetches"], 2, "exactly one refresh");
    assert_eq!(stats["calls"]["user_info"], 5, "three, one refused, one retry");
    h.cleanup().await;
}

#[tokio::test]
async fn errcodes_reach_the_caller_with_their_class() {
    let h = Harness::start().await;
    let openid = h.post("/_sim/users", json!({"appid": "wxsimmp"})).await["openid"].as_str().expect("openid").to_owned();
    let client = h.client().await;
    for (code, class) in [(-1, ErrClass::Transient), (45011, ErrClass::RateLimited), (45009, ErrClass::Quota), (48001, ErrClass::Permanent)] {
        h.fault("user_info", code).await;
        let err = client.user_info(&openid).await.expect_err("fault");
        assert_eq!((err.errcode(), err.class()), (Some(code), class));
    }
    h.post("/_sim/faults", json!({"rules": [{"op": "user_info", "httpStatus": 502, "times": 1}]})).await;
    assert_eq!(client.user_info(&openid).await.expect_err("502").class(), ErrClass::Transient);
    client.user_info(&openid).await.expect("faults used up");
    h.cleanup().await;
}

#[tokio::test]
async fn js_codes_work_once() {
    let h = Harness::start().await;
    let user = h.post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let code = user["code"].as_str().expect("code");
    let client = h.client().await;
    assert_eq!(client.jscode2session(code).await.expect("session").openid, user["openid"].as_str().expect("openid"));
    let again = client.jscode2session(code).await.expect_err("single use");
    assert_eq!((again.errcode(), again.class()), (Some(40163), ErrClass::Permanent));
    h.cleanup().await;
}

#[tokio::test]
async fn subscribe_values_are_truncated_before_the_simulator_checks_them() {
    let h = Harness::start().await;
    let openid = h.post("/_sim/users", json!({"appid": "wxsimmini"})).await["openid"].as_str().expect("openid").to_owned();
    h.post("/_sim/grants", json!({"openid": openid, "templateId": "模板ID1", "count": 1})).await;
    let client = h.client().await;
    let mut data = BTreeMap::new();
    data.insert("thing1".to_owned(), "张".repeat(30));
    data.insert("thing2".to_owned(), "内科".to_owned());
    data.insert("time3".to_owned(), "2026-12-01 08:00~12:00".to_owned());
    data.insert("thing4".to_owned(), "北交大校医院".to_owned());
    data.insert("thing5".to_owned(), "请提前15分钟到院".to_owned());
    let message = SubscribeMessage { touser: openid.clone(), template_id: "模板ID1".into(), data, ..Default::default() };
    client.send_subscribe_message(&message).await.expect("accepted after truncation");
    let delivered: Value = h
        .http
        .get(format!("{}/_sim/messages?touser={openid}", h.base))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(delivered["count"], 1);
    assert!(delivered.to_string().contains(&"张".repeat(20)));
    assert!(!delivered.to_string().contains(&"张".repeat(21)));
    let wrong = SubscribeMessage { template_id: "no-such-template".into(), ..message };
    assert_eq!(client.send_subscribe_message(&wrong).await.expect_err("template").errcode(), Some(40037));
    h.cleanup().await;
}
