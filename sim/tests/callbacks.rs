//! `POST /_sim/callbacks`: signed plain and encrypted deliveries to a callback endpoint built on
//! the common codec, WeChat's 3 tries, and how replies are judged.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde_json::{json, Value};
use yizhan_common::wechat::callback::{dedup_key, CallbackCodec, CallbackMode, CallbackQuery, Event, InboundKind, MessageCrypto, Message, Reply};
use yizhan_sim::config::{DEFAULT_CALLBACK_AES_KEY, DEFAULT_CALLBACK_TOKEN};
use yizhan_sim::{SimConfig, SimServer};

#[derive(Default)]
struct Target {
    seen: Mutex<Vec<(String, InboundKind)>>,
    /// Requests to leave unanswered for this long before answering.
    stall: Mutex<Vec<Duration>>,
}

async fn callback(State(t): State<Arc<Target>>, Query(q): Query<CallbackQuery>, body: Bytes) -> Response {
    let stall = t.stall.lock().expect("lock").pop();
    let codec = CallbackCodec::new(
        SecretString::from(DEFAULT_CALLBACK_TOKEN),
        Some(MessageCrypto::new(DEFAULT_CALLBACK_AES_KEY, "wxsimmp").expect("key")),
    )
    .with_mode(CallbackMode::Plain);
    let opened = match codec.open(&q, &body) {
        Ok(opened) => opened,
        Err(_) => return (StatusCode::BAD_REQUEST, "bad callback").into_response(),
    };
    t.seen.lock().expect("lock").push((dedup_key(&opened.inbound), opened.inbound.kind.clone()));
    if let Some(delay) = stall {
        tokio::time::sleep(delay).await;
    }
    let text = match &opened.inbound.kind {
        InboundKind::Event(Event::Unsubscribe) => return "success".into_response(),
        InboundKind::Event(Event::Subscribe { scene, .. }) => format!("欢迎关注 {}", scene.clone().unwrap_or_default()),
        InboundKind::Message(Message::Text { content, .. }) => format!("收到：{content}"),
        _ => return "success".into_response(),
    };
    let inbound = &opened.inbound;
    let reply = Reply::text(&inbound.from_user, &inbound.to_user, inbound.create_time + 1, &text);
    let ts = q.timestamp.clone().unwrap_or_default();
    let nonce = q.nonce.clone().unwrap_or_default();
    codec.answer(&reply, opened.encrypted, &ts, &nonce).expect("answer").into_response()
}

struct Harness {
    base: String,
    target_url: String,
    target: Arc<Target>,
    http: reqwest::Client,
    _sim: yizhan_sim::RunningSim,
}

async fn start() -> Harness {
    let target = Arc::new(Target::default());
    let app = axum::Router::new().route("/cb", axum::routing::post(callback)).with_state(target.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind target");
    let target_url = format!("http://{}/cb", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let mut config = SimConfig::for_tests();
    config.callbacks.url = Some(target_url.clone());
    let running = SimServer::spawn(config).await.expect("simulator");
    let base = running.base.clone();
    Harness { base, target_url, target, http: reqwest::Client::new(), _sim: running }
}

impl Harness {
    async fn deliver(&self, mut body: Value) -> Value {
        body["url"] = json!(self.target_url);
        let res = self.http.post(format!("{}/_sim/callbacks", self.base)).json(&body).send().await.expect("post");
        res.json().await.expect("json")
    }
}

fn subscribe_fields() -> Value {
    json!({"FromUserName": "oFollower", "MsgType": "event", "Event": "subscribe", "EventKey": "qrscene_123", "Ticket": "T"})
}

#[tokio::test]
async fn plain_subscribe_is_signed_and_the_reply_read() {
    let h = start().await;
    let record = h.deliver(json!({"fields": subscribe_fields()})).await;
    assert_eq!(record["attempts"], 1);
    assert_eq!(record["replyKind"], "reply", "{record}");
    assert_eq!(record["replyContent"], "欢迎关注 123");
    let seen = h.target.seen.lock().expect("lock").clone();
    assert!(matches!(&seen[0].1, InboundKind::Event(Event::Subscribe { scene: Some(s), .. }) if s == "123"));
}

#[tokio::test]
async fn safe_mode_round_trip_decrypts_both_ways() {
    let h = start().await;
    let fields = json!({"FromUserName": "oUser", "MsgType": "text", "Content": "挂号 ]]> 查询", "MsgId": 6177891239584123456u64});
    let record = h.deliver(json!({"fields": fields, "safeMode": true})).await;
    assert_eq!(record["replyKind"], "reply", "{record}");
    assert_eq!(record["replyContent"], "收到：挂号 ]]> 查询", "{record}");
    let seen = h.target.seen.lock().expect("lock").clone();
    assert_eq!(seen[0].0, "msg:6177891239584123456");
    assert!(matches!(&seen[0].1, InboundKind::Message(Message::Text { content, .. }) if content == "挂号 ]]> 查询"));
}

#[tokio::test]
async fn compat_mode_sends_the_plaintext_beside_the_encrypted_part() {
    let h = start().await;
    let fields = json!({"FromUserName": "oCompat", "MsgType": "text", "Content": "兼容", "MsgId": 7u64});
    let record = h.deliver(json!({"fields": fields, "compatMode": true})).await;
    assert_eq!((record["replyKind"].clone(), record["replyContent"].clone()), (json!("reply"), json!("收到：兼容")), "{record}");
    assert_eq!(record["compatMode"], true);
    let seen = h.target.seen.lock().expect("lock").clone();
    assert_eq!(seen[0].0, "msg:7", "the target opened the encrypted part");
}

#[tokio::test]
async fn a_slow_endpoint_gets_three_tries_of_the_same_delivery() {
    let h = start().await;
    h.target.stall.lock().expect("lock").extend([Duration::from_millis(600), Duration::from_millis(600)]);
    let record = h.deliver(json!({"fields": subscribe_fields(), "timeoutMs": 200})).await;
    assert_eq!(record["attempts"], 3, "{record}");
    assert_eq!(record["failures"].as_array().map(Vec::len), Some(2));
    assert_eq!(record["replyKind"], "reply");
    let keys: Vec<String> = h.target.seen.lock().expect("lock").iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k == &keys[0]), "every try carries one de-duplication key: {keys:?}");
}

#[tokio::test]
async fn hostile_xml_is_refused_and_success_is_nothing_to_say() {
    let h = start().await;
    let record = h.deliver(json!({"xml": "<!DOCTYPE x [<!ENTITY a \"b\">]><xml>&a;</xml>"})).await;
    assert_eq!((record["status"].clone(), record["replyKind"].clone()), (json!(400), json!("httpError")));
    let record = h.deliver(json!({"fields": {"FromUserName": "o", "MsgType": "event", "Event": "unsubscribe"}})).await;
    assert_eq!(record["replyKind"], "success");
    let all: Value = h.http.get(format!("{}/_sim/callbacks", h.base)).send().await.expect("get").json().await.expect("json");
    assert_eq!(all["count"], 2);
}

#[tokio::test]
async fn a_mass_send_is_followed_by_its_finish_event() {
    let h = start().await;
    let http = &h.http;
    let token: Value = http
        .get(format!("{}/cgi-bin/token?grant_type=client_credential&appid=wxsimmp&secret=sim-mp-secret", h.base))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let mut openids = Vec::new();
    for _ in 0..2 {
        let u: Value = http.post(format!("{}/_sim/users", h.base)).json(&json!({"appid": "wxsimmp"})).send().await.expect("user").json().await.expect("json");
        openids.push(u["openid"].clone());
    }
    let body = json!({"touser": openids, "msgtype": "text", "text": {"content": "通知"}});
    let url = format!("{}/cgi-bin/message/mass/send?access_token={}", h.base, token["access_token"].as_str().expect("token"));
    let sent: Value = http.post(url).json(&body).send().await.expect("mass").json().await.expect("json");
    assert_eq!(sent["errcode"], 0, "{sent}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let finished = h.target.seen.lock().expect("lock").iter().find_map(|(_, kind)| match kind {
            InboundKind::Event(Event::MassSendJobFinish { msg_id, sent_count, error_count, .. }) => Some((*msg_id, *sent_count, *error_count)),
            _ => None,
        });
        if let Some((msg_id, sent_count, errors)) = finished {
            assert_eq!((Some(msg_id), sent_count, errors), (sent["msg_id"].as_u64(), 2, 0));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no MASSSENDJOBFINISH event arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
