//! The simulator's WeChat behaviour, over a real loopback socket, and the yizhan-common client
//! against it (the client tests need `REDIS_URL`; each uses its own key prefix and cleans up).

use std::collections::BTreeMap;
use std::time::Duration;

use rand::RngCore;
use secrecy::SecretString;
use serde_json::{json, Value};
use yizhan_common::redis_conn::{connect, RedisTimeouts};
use yizhan_common::wechat::client::{AppCredentials, SubscribeMessage, WechatClient, WechatConfig};
use yizhan_common::wechat::errcode::ErrClass;
use yizhan_sim::{Sim, SimConfig};

const MP: (&str, &str) = ("wx-sim-mp", "sim-mp-secret");
const MINI: (&str, &str) = ("wx-sim-mini", "sim-mini-secret");

struct Harness {
    base: String,
    http: reqwest::Client,
    prefix: String,
}

impl Harness {
    async fn start() -> Self {
        let mut config = SimConfig::default();
        config.apps.insert(MP.0.into(), MP.1.into());
        config.apps.insert(MINI.0.into(), MINI.1.into());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(yizhan_sim::serve(listener, Sim::new(config)));
        let mut bytes = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self { base, http: reqwest::Client::new(), prefix: format!("test-sim-{}", hex::encode(bytes)) }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let res = self.http.post(format!("{}{path}", self.base)).json(&body).send().await.expect("post");
        res.json().await.expect("json")
    }

    async fn get(&self, path: &str) -> Value {
        self.http.get(format!("{}{path}", self.base)).send().await.expect("get").json().await.expect("json")
    }

    async fn stable(&self, force: bool) -> Value {
        self.post(
            "/cgi-bin/stable_token",
            json!({"grant_type": "client_credential", "appid": MP.0, "secret": MP.1, "force_refresh": force}),
        )
        .await
    }

    async fn user_info_code(&self, token: &str, openid: &str) -> i64 {
        let v = self.get(&format!("/cgi-bin/user/info?access_token={token}&openid={openid}")).await;
        v["errcode"].as_i64().unwrap_or(0)
    }

    async fn client(&self) -> WechatClient {
        let config = WechatConfig {
            api_base: self.base.clone(),
            mp: Some(AppCredentials { appid: MP.0.into(), secret: SecretString::from(MP.1) }),
            mp_token: None,
            mp_aes_key: None,
            mini: Some(AppCredentials { appid: MINI.0.into(), secret: SecretString::from(MINI.1) }),
            http_timeout: Duration::from_secs(5),
        };
        let url = std::env::var("REDIS_URL").expect("REDIS_URL must point at a test Redis");
        let redis = connect(&SecretString::from(url), RedisTimeouts::default()).await.expect("redis");
        WechatClient::new(&config, redis, &self.prefix).expect("client")
    }

    async fn cleanup(&self) {
        let url = std::env::var("REDIS_URL").expect("REDIS_URL");
        let mut conn = connect(&SecretString::from(url), RedisTimeouts::default()).await.expect("redis");
        let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{}:*", self.prefix)).query_async(&mut conn).await.expect("keys");
        for key in keys {
            let _: () = redis::cmd("DEL").arg(key).query_async(&mut conn).await.expect("del");
        }
    }
}

#[tokio::test]
async fn stable_token_keeps_renews_and_force_refreshes_like_wechat() {
    let h = Harness::start().await;
    let openid = h.post("/_sim/users", json!({}) ).await["openid"].as_str().expect("openid").to_owned();
    let first = h.stable(false).await;
    let token = first["access_token"].as_str().expect("token").to_owned();
    assert_eq!(first["expires_in"], 7200);
    assert_eq!(h.stable(false).await["access_token"], token.as_str(), "same token while valid");
    // Into the last five minutes: a new token, and the old one still works.
    h.post("/_sim/clock", json!({"advance_secs": 6950})).await;
    let renewed = h.stable(false).await["access_token"].as_str().expect("token").to_owned();
    assert_ne!(renewed, token);
    assert_eq!(h.user_info_code(&token, &openid).await, 0, "old token valid in its last minutes");
    h.post("/_sim/clock", json!({"advance_secs": 300})).await;
    assert_eq!(h.user_info_code(&token, &openid).await, 42001, "then it expires");
    // force_refresh invalidates at once, and not twice within 30 s.
    let forced = h.stable(true).await["access_token"].as_str().expect("token").to_owned();
    assert_eq!(h.user_info_code(&renewed, &openid).await, 40001);
    assert_eq!(h.user_info_code(&forced, &openid).await, 0);
    assert_eq!(h.stable(true).await["errcode"], 45011);
    assert_eq!(h.get("/_sim/counters").await["token_fetches"], 5);
    let bad = h.post("/cgi-bin/stable_token", json!({"grant_type": "client_credential", "appid": MP.0, "secret": "nope"})).await;
    assert_eq!(bad["errcode"], 40125);
}

#[tokio::test]
async fn cgi_bin_token_replaces_the_previous_token() {
    let h = Harness::start().await;
    let openid = h.post("/_sim/users", json!({"openid": "oA"})).await["openid"].as_str().expect("openid").to_owned();
    let path = format!("/cgi-bin/token?grant_type=client_credential&appid={}&secret={}", MP.0, MP.1);
    let a = h.get(&path).await["access_token"].as_str().expect("a").to_owned();
    let b = h.get(&path).await["access_token"].as_str().expect("b").to_owned();
    assert_eq!(h.user_info_code(&a, &openid).await, 40001);
    assert_eq!(h.user_info_code(&b, &openid).await, 0);
    assert_eq!(h.user_info_code("", &openid).await, 41001);
}

#[tokio::test]
async fn js_codes_are_single_use_and_expire() {
    let h = Harness::start().await;
    let client = h.client().await;
    h.post("/_sim/users", json!({"openid": "oMini", "js_code": "code-1"})).await;
    h.post("/_sim/users", json!({"openid": "oLate", "js_code": "code-2"})).await;
    assert_eq!(client.jscode2session("code-1").await.expect("session").openid, "oMini");
    let reused = client.jscode2session("code-1").await.expect_err("single use");
    assert_eq!((reused.errcode(), reused.class()), (Some(40163), ErrClass::Permanent));
    h.post("/_sim/clock", json!({"advance_secs": 301})).await;
    assert_eq!(client.jscode2session("code-2").await.expect_err("expired").errcode(), Some(40029));
    assert_eq!(client.jscode2session("never-made").await.expect_err("unknown").errcode(), Some(40029));
    h.cleanup().await;
}

fn message(openid: &str, template: &str, thing: &str) -> SubscribeMessage {
    let mut data = BTreeMap::new();
    data.insert("thing1".to_owned(), thing.to_owned());
    data.insert("time2".to_owned(), "2024-05-01 20:00".to_owned());
    SubscribeMessage { touser: openid.into(), template_id: template.into(), data, ..Default::default() }
}

#[tokio::test]
async fn subscribe_send_enforces_templates_limits_and_grants() {
    let h = Harness::start().await;
    let client = h.client().await;
    h.post("/_sim/templates", json!({"template_id": "TPL-A", "keys": ["thing1", "time2"]})).await;
    h.post("/_sim/users", json!({"openid": "oMini", "grants": {"TPL-A": 1}})).await;
    client.send_subscribe_message(&message("oMini", "TPL-A", &"预".repeat(30))).await.expect("first send");
    let delivered = h.get("/_sim/messages").await;
    assert_eq!(delivered["messages"][0]["to"], "oMini");
    assert_eq!(delivered["messages"][0]["body"]["data"]["thing1"]["value"], "预".repeat(20));
    let no_grant = client.send_subscribe_message(&message("oMini", "TPL-A", "x")).await.expect_err("grant spent");
    assert_eq!((no_grant.errcode(), no_grant.class()), (Some(43101), ErrClass::Permanent));
    let bad_tpl = client.send_subscribe_message(&message("oMini", "TPL-B", "x")).await.expect_err("template");
    assert_eq!(bad_tpl.errcode(), Some(40037));
    // Straight to the simulator, bypassing the client's truncation: WeChat's 47003.
    let token = client.access_token(yizhan_common::wechat::client::App::Mini).await.expect("token");
    let raw = h
        .post(
            &format!("/cgi-bin/message/subscribe/send?access_token={token}"),
            json!({"touser": "oMini", "template_id": "TPL-A", "data": {"thing1": {"value": "x".repeat(21)}, "time2": {"value": "20:00"}}}),
        )
        .await;
    assert_eq!(raw["errcode"], 47003);
    assert!(raw["errmsg"].as_str().unwrap_or_default().contains("thing1"));
    h.cleanup().await;
}

#[tokio::test]
async fn three_clients_one_fetch_and_one_refresh_after_an_injected_40001() {
    let h = Harness::start().await;
    h.post("/_sim/users", json!({"openid": "oUser"})).await;
    let clients = [h.client().await, h.client().await, h.client().await];
    let results = futures::future::join_all(clients.iter().map(|c| c.user_info("oUser"))).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(h.get("/_sim/counters").await["token_fetches"], 1);
    h.post("/_sim/faults", json!({"op": "user_info", "errcode": 40001, "count": 1})).await;
    clients[0].user_info("oUser").await.expect("refreshed and retried");
    let counters = h.get("/_sim/counters").await;
    assert_eq!(counters["token_fetches"], 2, "exactly one refresh");
    assert_eq!(counters["calls"]["user_info"], 5);
    for (code, class) in [(-1, ErrClass::Transient), (45011, ErrClass::RateLimited), (45009, ErrClass::Quota)] {
        h.post("/_sim/faults", json!({"op": "user_info", "errcode": code, "count": 1})).await;
        assert_eq!(clients[1].user_info("oUser").await.expect_err("fault").class(), class);
    }
    h.cleanup().await;
}
