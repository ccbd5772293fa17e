//! The WeChat-server side: `POST /_sim/callbacks` delivers a signed (and, in safe or compatible
//! mode, encrypted) message or event to the API's callback URL the way WeChat does — 5-second timeout, 3 tries —
//! and records what came back (decrypted in safe mode). `GET /_sim/callbacks` lists deliveries.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use yizhan_common::wechat::callback::{open_envelope, parse_xml, seal_envelope, signature, Limits, MessageCrypto};

use crate::state::{random_hex, Sim};

const WECHAT_TIMEOUT: Duration = Duration::from_secs(5);
const WECHAT_TRIES: u32 = 3;
const MAX_REPLY: usize = 64 * 1024;

/// One delivery request.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Target URL (default `SIM_CALLBACK_URL`).
    url: Option<String>,
    /// Encrypt as in WeChat's safe mode.
    #[serde(default)]
    safe_mode: bool,
    /// Encrypt as in WeChat's compatible mode: the plaintext fields beside `Encrypt`.
    #[serde(default)]
    compat_mode: bool,
    /// A whole document sent as is (for hostile-input tests); otherwise built from `fields`.
    xml: Option<String>,
    /// `{"FromUserName": "o…", "MsgType": "event", "Event": "subscribe", "EventKey": "qrscene_1"}`;
    /// `ToUserName` and `CreateTime` are filled in when absent.
    #[serde(default)]
    fields: BTreeMap<String, Value>,
    /// Per-try timeout (default 5000, as WeChat); lower it in tests.
    timeout_ms: Option<u64>,
    /// Tries (default and at most 3).
    tries: Option<u32>,
}

fn cdata(value: &str) -> String {
    format!("<![CDATA[{}]]>", value.replace("]]>", "]]]]><![CDATA[>"))
}

fn build_xml(fields: &BTreeMap<String, Value>, now: i64) -> String {
    let mut fields = fields.clone();
    fields.entry("ToUserName".into()).or_insert_with(|| json!("gh_sim_account"));
    fields.entry("CreateTime".into()).or_insert_with(|| json!(now));
    let mut xml = String::from("<xml>");
    for (name, value) in &fields {
        let inner = match value {
            Value::String(s) => cdata(s),
            other => other.to_string(),
        };
        xml.push_str(&format!("<{name}>{inner}</{name}>"));
    }
    xml.push_str("</xml>");
    xml
}

/// What the API answered, judged the way WeChat does.
fn judge(sim: &Sim, safe: bool, body: &str) -> (&'static str, Option<String>) {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return ("empty", None);
    }
    if trimmed == "success" {
        return ("success", None);
    }
    let target = &sim.config.callbacks;
    let plain = if safe {
        let opened = parse_xml(trimmed.as_bytes(), Limits::ENVELOPE).ok().and_then(|env| {
            let crypto = MessageCrypto::new(&target.aes_key, &target.appid).ok()?;
            let sig = env.child_text("MsgSignature")?.trim().to_owned();
            let ts = env.child_text("TimeStamp")?.trim().to_owned();
            let nonce = env.child_text("Nonce")?.trim().to_owned();
            open_envelope(&crypto, &target.token, &ts, &nonce, &sig, trimmed.as_bytes()).ok()
        });
        match opened {
            Some(xml) => xml,
            None => return ("invalid", Some(trimmed.to_owned())),
        }
    } else {
        trimmed.to_owned()
    };
    match parse_xml(plain.as_bytes(), Limits::MESSAGE) {
        Ok(root) if root.child_text("MsgType").is_some() => ("reply", Some(plain)),
        _ => ("invalid", Some(plain)),
    }
}

/// `POST /_sim/callbacks`: delivers and answers with the delivery record.
pub async fn deliver(State(sim): State<Arc<Sim>>, Json(d): Json<Delivery>) -> Response {
    match send(&sim, d).await {
        Ok(record) => Json(record).into_response(),
        Err((status, error)) => (status, Json(json!({ "error": error }))).into_response(),
    }
}

/// An event WeChat pushes by itself (e.g. `MASSSENDJOBFINISH`), delivered in plain mode to
/// `SIM_CALLBACK_URL` in the background; nothing happens when no URL is configured.
pub fn push_event(sim: &Arc<Sim>, fields: BTreeMap<String, Value>) {
    if sim.config.callbacks.url.is_none() {
        return;
    }
    let sim = sim.clone();
    tokio::spawn(async move {
        if let Err((_, error)) = send(&sim, Delivery { fields, ..Delivery::default() }).await {
            tracing::warn!(error = %error, "simulated event not delivered");
        }
    });
}

/// Delivers one callback the way WeChat does and records it.
async fn send(sim: &Sim, d: Delivery) -> Result<Value, (StatusCode, String)> {
    let Some(url) = d.url.clone().or_else(|| sim.config.callbacks.url.clone()) else {
        return Err((StatusCode::BAD_REQUEST, "no url given and SIM_CALLBACK_URL is unset".into()));
    };
    let target = &sim.config.callbacks;
    let now = chrono::Utc::now().timestamp();
    let xml = d.xml.clone().unwrap_or_else(|| build_xml(&d.fields, now));
    let timestamp = now.to_string();
    let nonce = u32::from_str_radix(&random_hex(4), 16).unwrap_or(1).to_string();
    let mut query = vec![
        ("signature".to_owned(), signature(&[&target.token, &timestamp, &nonce])),
        ("timestamp".to_owned(), timestamp.clone()),
        ("nonce".to_owned(), nonce.clone()),
    ];
    if let Some(Value::String(openid)) = d.fields.get("FromUserName") {
        query.push(("openid".into(), openid.clone()));
    }
    let encrypted = d.safe_mode || d.compat_mode;
    let body = if encrypted {
        let crypto = match MessageCrypto::new(&target.aes_key, &target.appid) {
            Ok(c) => c,
            Err(e) => return Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
        };
        let sealed = seal_envelope(&crypto, &target.token, &xml, &timestamp, &nonce);
        query.push(("encrypt_type".into(), "aes".into()));
        query.push(("msg_signature".into(), sealed.msg_signature));
        let to = d.fields.get("ToUserName").and_then(Value::as_str).unwrap_or("gh_sim_account");
        if d.compat_mode {
            xml.replacen("</xml>", &format!("<Encrypt>{}</Encrypt></xml>", cdata(&sealed.encrypt)), 1)
        } else {
            format!("<xml><ToUserName>{}</ToUserName><Encrypt>{}</Encrypt></xml>", cdata(to), cdata(&sealed.encrypt))
        }
    } else {
        xml.clone()
    };
    let timeout = d.timeout_ms.map_or(WECHAT_TIMEOUT, Duration::from_millis);
    let tries = d.tries.unwrap_or(WECHAT_TRIES).clamp(1, WECHAT_TRIES);
    let client = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(c) => c,
        Err(e) => return Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    };
    let mut failures = Vec::new();
    let mut answer: Option<(u16, String)> = None;
    let mut attempts = 0;
    while attempts < tries {
        attempts += 1;
        let sent = client.post(&url).query(&query).header("content-type", "text/xml").body(body.clone()).send().await;
        match sent {
            Ok(res) if res.status().is_server_error() => failures.push(format!("HTTP {}", res.status().as_u16())),
            Ok(res) => {
                let status = res.status().as_u16();
                let bytes = res.bytes().await.unwrap_or_default();
                let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_REPLY)]).into_owned();
                answer = Some((status, text));
                break;
            }
            Err(e) if e.is_timeout() => failures.push("timed out".into()),
            Err(e) => failures.push(e.without_url().to_string()),
        }
    }
    let (status, kind, reply) = match &answer {
        Some((status, text)) if (200..300).contains(status) => {
            let (kind, reply) = judge(sim, encrypted, text);
            (Some(*status), kind, reply)
        }
        Some((status, text)) => (Some(*status), "httpError", Some(text.clone())),
        None => (None, "undelivered", None),
    };
    // The text of a text reply, for people and tests reading the record.
    let content = reply
        .as_deref()
        .filter(|_| kind == "reply")
        .and_then(|xml| parse_xml(xml.as_bytes(), Limits::MESSAGE).ok())
        .and_then(|root| root.child_text("Content").map(str::to_owned));
    let record = {
        let mut inner = sim.lock();
        let record = json!({
            "seq": inner.next_seq(), "url": url, "safeMode": d.safe_mode, "compatMode": d.compat_mode, "xml": xml, "attempts": attempts,
            "failures": failures, "status": status, "replyKind": kind, "replyContent": content, "reply": reply,
        });
        inner.callbacks.push(record.clone());
        record
    };
    tracing::info!(sim.attempts = attempts, sim.reply_kind = kind, "callback delivered");
    Ok(record)
}

/// `GET /_sim/callbacks`: every delivery, oldest first.
pub async fn list(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let inner = sim.lock();
    Json(json!({"count": inner.callbacks.len(), "callbacks": inner.callbacks}))
}
