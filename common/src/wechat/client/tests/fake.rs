//! A small in-test WeChat on 127.0.0.1: stable_token with invalidation, the operations' paths,
//! injected errcodes and counters.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use crate::redis_conn::RedisConn;
use serde_json::{json, Value};

/// What a call received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub query: HashMap<String, String>,
    pub body: Value,
}

#[derive(Default)]
pub struct FakeState {
    pub token_fetches: AtomicUsize,
    pub token_delay: Mutex<Duration>,
    current: Mutex<Option<String>>,
    valid: Mutex<HashSet<String>>,
    issued: AtomicUsize,
    /// Errcodes (or HTTP statuses as `http:NNN`) answered by the next calls of an op path.
    faults: Mutex<HashMap<String, VecDeque<String>>>,
    calls: Mutex<HashMap<String, usize>>,
    seen: Mutex<HashMap<String, Vec<Seen>>>,
    /// When a call carries an invalid token: write this token into this Redis key first
    /// (another process refreshed meanwhile).
    pub refresh_elsewhere: Mutex<Option<(RedisConn, String, String)>>,
}

pub type Fake = Arc<FakeState>;

impl FakeState {
    pub fn fetches(&self) -> usize {
        self.token_fetches.load(Ordering::SeqCst)
    }

    pub fn calls(&self, path: &str) -> usize {
        self.calls.lock().expect("lock").get(path).copied().unwrap_or(0)
    }

    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.seen.lock().expect("lock").get(path).cloned().unwrap_or_default()
    }

    pub fn fault(&self, path: &str, answer: &str) {
        self.faults.lock().expect("lock").entry(path.to_owned()).or_default().push_back(answer.to_owned());
    }

    /// Makes `token` valid and current (as if fetched elsewhere).
    pub fn set_current(&self, token: &str) {
        self.valid.lock().expect("lock").insert(token.to_owned());
        *self.current.lock().expect("lock") = Some(token.to_owned());
    }

    /// Invalidates the current token (as a force refresh elsewhere would).
    pub fn invalidate_current(&self) {
        if let Some(old) = self.current.lock().expect("lock").take() {
            self.valid.lock().expect("lock").remove(&old);
        }
    }

    fn issue(&self) -> String {
        let mut current = self.current.lock().expect("lock");
        if let Some(token) = current.as_ref() {
            return token.clone();
        }
        let token = format!("TOKEN-{}", self.issued.fetch_add(1, Ordering::SeqCst) + 1);
        self.valid.lock().expect("lock").insert(token.clone());
        *current = Some(token.clone());
        token
    }
}

fn err(code: i64, msg: &str) -> Response {
    Json(json!({"errcode": code, "errmsg": msg})).into_response()
}

async fn handle(State(fake): State<Fake>, uri: Uri, Query(query): Query<HashMap<String, String>>, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    *fake.calls.lock().expect("lock").entry(path.clone()).or_default() += 1;
    fake.seen.lock().expect("lock").entry(path.clone()).or_default().push(Seen { query: query.clone(), body: body.clone() });
    if path == "/cgi-bin/stable_token" {
        fake.token_fetches.fetch_add(1, Ordering::SeqCst);
        let delay = *fake.token_delay.lock().expect("lock");
        tokio::time::sleep(delay).await;
        if let Some(code) = fake.faults.lock().expect("lock").get_mut(&path).and_then(VecDeque::pop_front) {
            return err(code.parse().unwrap_or(-1), "injected");
        }
        if body["secret"] != "mp-secret" && body["secret"] != "mini-secret" {
            return err(40125, "invalid appsecret");
        }
        return Json(json!({"access_token": fake.issue(), "expires_in": 7200})).into_response();
    }
    let injected = fake.faults.lock().expect("lock").get_mut(&path).and_then(VecDeque::pop_front);
    if let Some(answer) = injected {
        if let Some(status) = answer.strip_prefix("http:") {
            let status = status.parse().unwrap_or(500);
            return StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR).into_response();
        }
        if let Some(ms) = answer.strip_prefix("sleep:") {
            tokio::time::sleep(Duration::from_millis(ms.parse().unwrap_or(0))).await;
        } else {
            return err(answer.parse().unwrap_or(-1), "injected");
        }
    }
    if path.starts_with("/sns/") {
        return sns(&path, &query);
    }
    let token = query.get("access_token").cloned().unwrap_or_default();
    if !fake.valid.lock().expect("lock").contains(&token) {
        let elsewhere = fake.refresh_elsewhere.lock().expect("lock").take();
        if let Some((mut conn, key, newer)) = elsewhere {
            fake.set_current(&newer);
            let _: Result<(), _> = redis::cmd("SET").arg(key).arg(newer).query_async(&mut conn).await;
        }
        return err(40001, "invalid credential, access_token is invalid or not latest");
    }
    match path.as_str() {
        "/cgi-bin/message/template/send" => Json(json!({"errcode": 0, "errmsg": "ok", "msgid": 200228332})).into_response(),
        "/cgi-bin/message/mass/send" | "/cgi-bin/message/mass/sendall" => {
            Json(json!({"errcode": 0, "errmsg": "send job submission success", "msg_id": 34182, "msg_data_id": 206227730}))
                .into_response()
        }
        "/cgi-bin/qrcode/create" => Json(json!({
            "ticket": "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==",
            "expire_seconds": 60, "url": "http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI"
        }))
        .into_response(),
        "/cgi-bin/user/info" => Json(json!({
            "subscribe": 1, "openid": query.get("openid"), "language": "zh_CN", "subscribe_time": 1382694957,
            "tagid_list": [128, 2], "subscribe_scene": "ADD_SCENE_QR_CODE", "qr_scene": 98765, "qr_scene_str": ""
        }))
        .into_response(),
        "/cgi-bin/tags/create" => Json(json!({"tag": {"id": 134, "name": body["tag"]["name"]}})).into_response(),
        "/cgi-bin/tags/get" => Json(json!({"tags": [{"id": 2, "name": "星标组", "count": 0}]})).into_response(),
        _ => err(0, "ok"),
    }
}

fn sns(path: &str, query: &HashMap<String, String>) -> Response {
    let code = query.get("js_code").or_else(|| query.get("code")).cloned().unwrap_or_default();
    if code == "bad" {
        return err(40029, "invalid code");
    }
    match path {
        "/sns/jscode2session" => Json(json!({"openid": format!("o-{code}"), "session_key": "SESSIONKEY"})).into_response(),
        _ => Json(json!({
            "access_token": "WEBTOKEN", "expires_in": 7200, "refresh_token": "REFRESH",
            "openid": format!("o-{code}"), "scope": "snsapi_base"
        }))
        .into_response(),
    }
}

/// Starts the fake on an ephemeral loopback port; returns its base URL.
pub async fn start() -> (Fake, String) {
    let fake: Fake = Arc::default();
    let app = axum::Router::new().fallback(handle).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (fake, format!("http://{addr}"))
}
