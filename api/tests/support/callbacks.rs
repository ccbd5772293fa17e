//! Plain (signed, unencrypted) Official Account callbacks delivered to the app, as WeChat's
//! server would: for seed 004's follow, unfollow and menu-click events.

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
    let ts = chrono::Utc::now().timestamp().to_string();
    // WeChat's retries share a CreateTime; separate events get their own (the de-duplication key).
    static SEQ: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let created = chrono::Utc::now().timestamp() - 600 + SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let key = key.map(|k| format!("<EventKey><![CDATA[{k}]]></EventKey>")).unwrap_or_default();
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_school]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{key}</xml>"
    );
    let query = format!("signature={}&timestamp={ts}&nonce={nonce}", signature(&[CALLBACK_TOKEN, &ts, &nonce]));
    let req = Request::builder().method(Method::POST).uri(format!("/api/nurses/msg/wx/callback?{query}")).body(Body::from(xml)).expect("request");
    let (status, body) = app.raw(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_str().map(str::to_owned).unwrap_or_default()
}

/// Delivers a message or event whose fields after `FromUserName` are `fields` (XML, `CreateTime`
/// included) from `openid` → the reply's body.
pub async fn deliver(app: &TestApp, openid: &str, fields: &str) -> String {
    let ts = chrono::Utc::now().timestamp().to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let xml = format!("<xml><ToUserName><![CDATA[gh_school]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>{fields}</xml>");
    let query = format!("signature={}&timestamp={ts}&nonce={nonce}", signature(&[CALLBACK_TOKEN, &ts, &nonce]));
    let req = Request::builder().method(Method::POST).uri(format!("/api/nurses/msg/wx/callback?{query}")).body(Body::from(xml)).expect("request");
    let (status, body) = app.raw(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_str().map(str::to_owned).unwrap_or_default()
}
