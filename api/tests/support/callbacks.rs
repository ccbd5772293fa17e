//! Plain (signed, unencrypted) Official Account callbacks delivered to the app, as WeChat's
//! server would: for seed 004's follow, unfollow and menu-click events, text messages, and the
//! events WeChat pushes by itself (`MASSSENDJOBFINISH`).

use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use secrecy::SecretString;
use yizhan_common::wechat::callback::{signature, CallbackCodec};

use super::TestApp;

pub const CALLBACK_TOKEN: &str = "notice-callback-token";

/// The codec a test app needs to accept these callbacks.
pub fn plain_codec() -> Option<CallbackCodec> {
    Some(CallbackCodec::new(SecretString::from(CALLBACK_TOKEN), None))
}

/// Delivers an event from `openid` (with an `EventKey` when given) → the reply's body.
pub async fn event(app: &TestApp, openid: &str, event: &str, key: Option<&str>) -> String {
    let key = key.map(|k| format!("<EventKey><![CDATA[{k}]]></EventKey>")).unwrap_or_default();
    deliver(app, openid, &format!("<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{key}"), None).await
}

/// Delivers a text message from `openid` → the reply's body.
pub async fn text(app: &TestApp, openid: &str, content: &str) -> String {
    let msg_id = SEQ.fetch_add(1, Ordering::Relaxed) + 6_000_000_000;
    deliver(app, openid, &format!("<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>"), None).await
}

/// Delivers an event WeChat pushed by itself, as the simulator recorded it (`GET /_sim/events`):
/// each field as an element; a fresh `CreateTime`, so a redelivery passes the callback's
/// de-duplication and reaches the domain again.
pub async fn pushed(app: &TestApp, fields: &serde_json::Value) -> String {
    let from = fields["FromUserName"].as_str().unwrap_or_default();
    let mut inner = String::new();
    for (name, value) in fields.as_object().into_iter().flatten() {
        if matches!(name.as_str(), "FromUserName" | "ToUserName" | "CreateTime") {
            continue;
        }
        match value.as_str() {
            Some(s) => inner.push_str(&format!("<{name}><![CDATA[{s}]]></{name}>")),
            None => inner.push_str(&format!("<{name}>{value}</{name}>")),
        }
    }
    deliver(app, from, &inner, None).await
}

static SEQ: AtomicI64 = AtomicI64::new(0);

/// Delivers a message or event from `openid` whose fields after `CreateTime` are `inner` (XML),
/// created at `created` (else a fresh time) → the reply's body.
pub async fn deliver(app: &TestApp, openid: &str, inner: &str, created: Option<i64>) -> String {
    let ts = chrono::Utc::now().timestamp().to_string();
    // WeChat's retries share a CreateTime; separate events get their own (the de-duplication key).
    let created = created.unwrap_or_else(|| chrono::Utc::now().timestamp() - 600 + SEQ.fetch_add(1, Ordering::Relaxed));
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_school]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{created}</CreateTime>{inner}</xml>"
    );
    let query = format!("signature={}&timestamp={ts}&nonce={nonce}", signature(&[CALLBACK_TOKEN, &ts, &nonce]));
    let req = Request::builder().method(Method::POST).uri(format!("/api/nurses/msg/wx/callback?{query}")).body(Body::from(xml)).expect("request");
    let (status, body) = app.raw(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_str().map(str::to_owned).unwrap_or_default()
}
