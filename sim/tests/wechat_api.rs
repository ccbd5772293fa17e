//! The simulator answers like WeChat: token lifetimes, single-use codes, template and keyword
//! checks, customer-service windows, de-duplicated mass sends, injected faults and quotas.

use std::time::Duration;

use serde_json::{json, Value};
use yizhan_sim::{SimConfig, SimServer};

struct Sim {
    base: String,
    http: reqwest::Client,
    _sim: yizhan_sim::RunningSim,
}

async fn start(config: SimConfig) -> Sim {
    let running = SimServer::spawn(config).await.expect("simulator");
    let base = running.base.clone();
    Sim { base, http: reqwest::Client::new(), _sim: running }
}

impl Sim {
    async fn get(&self, path: &str) -> Value {
        self.http.get(format!("{}{path}", self.base)).send().await.expect("get").json().await.expect("json")
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let res = self.http.post(format!("{}{path}", self.base)).json(&body).send().await.expect("post");
        if res.status() == 204 {
            return Value::Null;
        }
        res.json().await.expect("json")
    }

    async fn stable(&self, appid: &str, secret: &str, force: bool) -> Value {
        self.post("/cgi-bin/stable_token", json!({"grant_type": "client_credential", "appid": appid, "secret": secret, "force_refresh": force}))
            .await
    }

    async fn mini_token(&self) -> String {
        self.stable("wxsimmini", "sim-mini-secret", false).await["access_token"].as_str().expect("token").to_owned()
    }

    async fn user(&self, appid: &str) -> (String, String) {
        let v = self.post("/_sim/users", json!({ "appid": appid })).await;
        (v["openid"].as_str().expect("openid").to_owned(), v["code"].as_str().expect("code").to_owned())
    }
}

fn data() -> Value {
    json!({"thing1": {"value": "张三"}, "thing2": {"value": "内科"}, "time3": {"value": "2026-12-01 08:00~12:00"},
           "thing4": {"value": "北交大校医院"}, "thing5": {"value": "请提前15分钟到院"}})
}

#[tokio::test]
async fn stable_token_is_shared_until_forced_and_counted() {
    let sim = start(SimConfig::for_tests()).await;
    let a = sim.stable("wxsimmini", "sim-mini-secret", false).await;
    let b = sim.stable("wxsimmini", "sim-mini-secret", false).await;
    assert_eq!(a["access_token"], b["access_token"]);
    assert!(a["expires_in"].as_u64().expect("ttl") > 7000);
    assert_eq!(sim.stable("wxsimmini", "wrong", false).await["errcode"], 40125);
    let forced = sim.stable("wxsimmini", "sim-mini-secret", true).await;
    assert_ne!(forced["access_token"], a["access_token"]);
    let old = a["access_token"].as_str().expect("token");
    let r = sim.post(&format!("/cgi-bin/message/subscribe/send?access_token={old}"), json!({})).await;
    assert_eq!(r["errcode"], 40001);
    assert_eq!(sim.stable("wxsimmini", "sim-mini-secret", true).await["errcode"], 45009, "force_refresh at most every 30 s");
    assert_eq!(sim.get("/_sim/stats").await["tokenFetches"], 3);
}

#[tokio::test]
async fn a_plain_token_fetch_replaces_the_previous_one_and_tokens_expire() {
    let mut config = SimConfig::for_tests();
    config.token_ttl = Duration::from_secs(1);
    let sim = start(config).await;
    let url = "/cgi-bin/token?grant_type=client_credential&appid=wxsimmp&secret=sim-mp-secret";
    let first = sim.get(url).await["access_token"].as_str().expect("token").to_owned();
    let second = sim.get(url).await["access_token"].as_str().expect("token").to_owned();
    let (openid, _) = sim.user("wxsimmp").await;
    let info = |t: &str| format!("/cgi-bin/user/info?access_token={t}&openid={openid}");
    assert_eq!(sim.get(&info(&first)).await["errcode"], 40001);
    assert_eq!(sim.get(&info(&second)).await["openid"], openid.as_str());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(sim.get(&info(&second)).await["errcode"], 42001);
    assert_eq!(sim.get(&format!("/cgi-bin/user/info?openid={openid}")).await["errcode"], 41001);
}

#[tokio::test]
async fn codes_exchange_once() {
    let sim = start(SimConfig::for_tests()).await;
    let (openid, code) = sim.user("wxsimmini").await;
    let url = |c: &str| format!("/sns/jscode2session?appid=wxsimmini&secret=sim-mini-secret&js_code={c}&grant_type=authorization_code");
    assert_eq!(sim.get(&url(&code)).await["openid"], openid.as_str());
    assert_eq!(sim.get(&url(&code)).await["errcode"], 40163);
    assert_eq!(sim.get(&url("071aBcDe1f23g4")).await["errcode"], 40029);
}

#[tokio::test]
async fn subscribe_send_checks_template_keywords_and_openid() {
    let sim = start(SimConfig::for_tests()).await;
    let token = sim.mini_token().await;
    let (openid, _) = sim.user("wxsimmini").await;
    let path = format!("/cgi-bin/message/subscribe/send?access_token={token}");
    let granted = sim.post("/_sim/grants", json!({"openid": openid, "templateId": "模板ID1", "count": 1})).await;
    assert_eq!(granted["grants"], 1, "{granted}");
    let ok = sim.post(&path, json!({"touser": openid, "template_id": "模板ID1", "page": "pages/x", "data": data()})).await;
    assert_eq!(ok["errcode"], 0, "{ok}");
    // One send per acceptance: the grant is spent, and a template never granted has none.
    let again = sim.post(&path, json!({"touser": openid, "template_id": "模板ID1", "page": "pages/x", "data": data()})).await;
    assert_eq!(again["errcode"], 43101, "{again}");
    assert_eq!(sim.post(&path, json!({"touser": openid, "template_id": "nope", "data": data()})).await["errcode"], 40037);
    let mut bad = data();
    bad["time3"]["value"] = json!("2023-12-18 上午");
    let r = sim.post(&path, json!({"touser": openid, "template_id": "模板ID1", "data": bad})).await;
    assert_eq!(r["errcode"], 47003);
    assert!(r["errmsg"].as_str().expect("errmsg").contains("time3"));
    assert_eq!(sim.post(&path, json!({"touser": "oUnknown", "template_id": "模板ID1", "data": data()})).await["errcode"], 40003);
    let delivered = sim.get(&format!("/_sim/messages?touser={openid}")).await;
    assert_eq!(delivered["count"], 1);
    assert_eq!(delivered["messages"][0]["templateId"], "模板ID1");
    assert_eq!(delivered["messages"][0]["data"]["thing1"]["value"], "张三");
}

#[tokio::test]
async fn faults_and_quotas_answer_their_errcodes() {
    let sim = start(SimConfig::for_tests()).await;
    let token = sim.mini_token().await;
    let (openid, _) = sim.user("wxsimmini").await;
    let path = format!("/cgi-bin/message/subscribe/send?access_token={token}");
    let msg = json!({"touser": openid, "template_id": "模板ID1", "data": data()});
    sim.post("/_sim/grants", json!({"openid": openid, "templateId": "模板ID1", "count": 3})).await;
    sim.post("/_sim/faults", json!({"rules": [{"op": "subscribe_send", "errcode": 45011, "times": 1}]})).await;
    assert_eq!(sim.post(&path, msg.clone()).await["errcode"], 45011);
    assert_eq!(sim.post(&path, msg.clone()).await["errcode"], 0);
    sim.post("/_sim/faults", json!({"quotas": [{"op": "subscribe_send", "perMinute": 1}]})).await;
    assert_eq!(sim.post(&path, msg.clone()).await["errcode"], 0);
    assert_eq!(sim.post(&path, msg.clone()).await["errcode"], 45011);
    sim.http.delete(format!("{}/_sim/faults", sim.base)).send().await.expect("clear");
    assert_eq!(sim.post(&path, msg).await["errcode"], 0);
    let stats = sim.get("/_sim/stats").await;
    assert_eq!(stats["calls"]["subscribe_send"], 5);
    assert!(stats["peakPerSecond"]["subscribe_send"].as_u64().expect("peak") >= 1);
}

#[tokio::test]
async fn customer_service_needs_an_open_window_and_mass_sends_deduplicate() {
    let sim = start(SimConfig::for_tests()).await;
    let token = sim.get("/cgi-bin/token?grant_type=client_credential&appid=wxsimmp&secret=sim-mp-secret").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let (quiet, _) = sim.user("wxsimmp").await;
    let talker = sim.post("/_sim/users", json!({"appid": "wxsimmp", "interacted": true})).await["openid"].as_str().expect("openid").to_owned();
    let cs = format!("/cgi-bin/message/custom/send?access_token={token}");
    let text = |to: &str| json!({"touser": to, "msgtype": "text", "text": {"content": "你好"}});
    assert_eq!(sim.post(&cs, text(&quiet)).await["errcode"], 45015);
    for _ in 0..5 {
        assert_eq!(sim.post(&cs, text(&talker)).await["errcode"], 0);
    }
    assert_eq!(sim.post(&cs, text(&talker)).await["errcode"], 45047);

    let mass = format!("/cgi-bin/message/mass/send?access_token={token}");
    let body = json!({"touser": [quiet, talker], "msgtype": "text", "text": {"content": "通知"}, "clientmsgid": "notice-1"});
    assert_eq!(sim.post(&mass, body.clone()).await["errcode"], 0);
    assert_eq!(sim.post(&mass, body).await["errcode"], 45065);
    assert_eq!(sim.get("/_sim/messages?api=mass").await["count"], 2);
}

#[tokio::test]
async fn qr_codes_validate_their_scene() {
    let sim = start(SimConfig::for_tests()).await;
    let token = sim.get("/cgi-bin/token?grant_type=client_credential&appid=wxsimmp&secret=sim-mp-secret").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let path = format!("/cgi-bin/qrcode/create?access_token={token}");
    let ok = sim.post(&path, json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 123}}})).await;
    assert!(ok["ticket"].as_str().expect("ticket").starts_with("gQ"));
    assert!(ok.get("expire_seconds").is_none());
    let bad = sim.post(&path, json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100001}}})).await;
    assert_eq!(bad["errcode"], 40053);
}
