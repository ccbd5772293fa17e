//! Mini Program paths: `GET /sns/jscode2session` (single-use codes) and
//! `POST /cgi-bin/message/subscribe/send` (known openid, known template, valid keywords, and one
//! grant the user accepted per send, else 43101).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::gate::{app_of_token, enter, json_body, refuse};
use crate::keywords;
use crate::state::{random_hex, Delivered, Sim};

const CODE_LIFETIME: Duration = Duration::from_secs(300);

#[derive(Deserialize)]
pub struct CodeQuery {
    appid: Option<String>,
    secret: Option<String>,
    js_code: Option<String>,
    grant_type: Option<String>,
}

pub async fn jscode2session(State(sim): State<Arc<Sim>>, Query(q): Query<CodeQuery>) -> Response {
    if let Err(r) = enter(&sim, "jscode2session").await {
        return r;
    }
    if q.grant_type.as_deref() != Some("authorization_code") {
        return refuse(40002, "invalid grant_type");
    }
    let appid = q.appid.unwrap_or_default();
    if sim.config.apps.get(&appid).map(String::as_str) != q.secret.as_deref() || q.secret.is_none() {
        return refuse(40125, "invalid appsecret");
    }
    let code = q.js_code.unwrap_or_default();
    let mut inner = sim.lock();
    if inner.used_codes.contains(&code) {
        return refuse(40163, "code been used");
    }
    let Some((code_app, openid, issued)) = inner.codes.remove(&code) else {
        return refuse(40029, "invalid code");
    };
    inner.used_codes.insert(code);
    if code_app != appid || issued.elapsed() > CODE_LIFETIME {
        return refuse(40029, "invalid code");
    }
    Json(json!({ "openid": openid, "session_key": random_hex(12) })).into_response()
}

#[derive(Deserialize)]
pub struct TokenQuery {
    pub access_token: Option<String>,
}

pub async fn subscribe_send(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>, body: Bytes) -> Response {
    if let Err(r) = enter(&sim, "subscribe_send").await {
        return r;
    }
    let appid = match app_of_token(&sim, q.access_token.as_deref()) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let touser = body["touser"].as_str().unwrap_or_default().to_owned();
    let template = body["template_id"].as_str().unwrap_or_default().to_owned();
    let Some(keywords) = sim.config.templates.get(&template) else {
        return refuse(40037, "invalid template_id");
    };
    if let Some(problem) = check_data(keywords, &body["data"]) {
        return refuse(47003, &problem);
    }
    let mut inner = sim.lock();
    if inner.users.get(&touser).is_none_or(|u| u.appid != appid) {
        return refuse(40003, "invalid openid");
    }
    // One send per acceptance, as WeChat does (`POST /_sim/grants` records the acceptances).
    match inner.grants.get_mut(&(touser.clone(), template.clone())) {
        Some(left) if *left > 0 => *left -= 1,
        _ => return refuse(43101, "user refuse to accept the msg"),
    }
    let seq = inner.next_seq();
    inner.messages.push(Delivered {
        seq,
        api: "subscribe".into(),
        appid,
        touser,
        template_id: Some(template),
        data: body["data"].clone(),
        page: body["page"].as_str().map(String::from),
        client_msg_id: None,
        at_ms: chrono::Utc::now().timestamp_millis(),
    });
    Json(json!({"errcode": 0, "errmsg": "ok", "msgid": seq})).into_response()
}

/// Every keyword of the template present with a valid value, and nothing else.
pub fn check_data(keywords: &[String], data: &Value) -> Option<String> {
    let Some(data) = data.as_object() else { return Some("argument invalid! data is empty".into()) };
    for key in data.keys() {
        if !keywords.contains(key) {
            return Some(format!("argument invalid! data.{key} unknown keyword"));
        }
    }
    for key in keywords {
        let value = data.get(key).and_then(|v| v["value"].as_str());
        match value {
            None => return Some(format!("argument invalid! data.{key}.value empty")),
            Some(v) => {
                if let Some(problem) = keywords::check(key, v) {
                    return Some(problem);
                }
            }
        }
    }
    None
}

