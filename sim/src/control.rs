//! `/_sim/*`: inspection and control for tests and for people trying the system.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::{FaultRule, Quota};
use crate::mp::touch;
use crate::state::{random_hex, Sim, SimUser};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    appid: Option<String>,
    openid: Option<String>,
    nickname: Option<String>,
    /// The `headimgurl` web OAuth's `/sns/userinfo` answers.
    avatar: Option<String>,
    /// Opens the customer-service window as if the user had just written.
    #[serde(default)]
    interacted: bool,
}

/// Creates (or finds) a fake user and issues a fresh single-use code for it:
/// `{"appid","openid","code"}`. The code works once for jscode2session or web OAuth.
pub async fn create_user(State(sim): State<Arc<Sim>>, body: Option<Json<NewUser>>) -> Response {
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let Some(appid) = body.appid.or_else(|| sim.config.apps.keys().next().cloned()) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "no apps configured"}))).into_response();
    };
    if !sim.config.apps.contains_key(&appid) {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": format!("unknown appid {appid}")}))).into_response();
    }
    let openid = body.openid.unwrap_or_else(|| format!("oSim{}", random_hex(12)));
    let code = format!("sim{}", random_hex(14));
    let mut inner = sim.lock();
    if inner.users.get(&openid).is_some_and(|u| u.appid != appid) {
        return (StatusCode::CONFLICT, Json(json!({"error": "openid belongs to another app"}))).into_response();
    }
    let nickname = body.nickname.unwrap_or_else(|| format!("用户{}", &openid[openid.len().saturating_sub(4)..]));
    inner.users.entry(openid.clone()).or_insert(SimUser {
        appid: appid.clone(),
        openid: openid.clone(),
        nickname,
        tags: Vec::new(),
        last_interaction: None,
        cs_sent: 0,
    });
    if let Some(avatar) = body.avatar {
        inner.avatars.insert(openid.clone(), avatar);
    }
    if body.interacted {
        touch(&mut inner, &openid);
    }
    inner.codes.insert(code.clone(), (appid.clone(), openid.clone(), Instant::now()));
    (StatusCode::CREATED, Json(json!({"appid": appid, "openid": openid, "code": code}))).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewGrants {
    openid: String,
    template_id: String,
    #[serde(default = "one")]
    count: u64,
}

fn one() -> u64 {
    1
}

/// Records what `wx.requestSubscribeMessage` records on the phone when the user taps accept:
/// `count` more sends of `templateId` to `openid`. Answers `{"openid","templateId","grants"}`
/// (what is left to spend).
pub async fn add_grants(State(sim): State<Arc<Sim>>, Json(g): Json<NewGrants>) -> Response {
    if g.openid.is_empty() || g.template_id.is_empty() {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "openid and templateId are required"}))).into_response();
    }
    let mut inner = sim.lock();
    let left = inner.grants.entry((g.openid.clone(), g.template_id.clone())).or_default();
    *left = left.saturating_add(g.count);
    let grants = *left;
    (StatusCode::CREATED, Json(json!({"openid": g.openid, "templateId": g.template_id, "grants": grants}))).into_response()
}

#[derive(Deserialize)]
pub struct MessageFilter {
    touser: Option<String>,
    api: Option<String>,
}

/// Every message "delivered", oldest first, optionally for one user or one API.
pub async fn messages(State(sim): State<Arc<Sim>>, Query(f): Query<MessageFilter>) -> Json<Value> {
    let inner = sim.lock();
    let list: Vec<&_> = inner
        .messages
        .iter()
        .filter(|m| f.touser.as_deref().is_none_or(|t| m.touser == t))
        .filter(|m| f.api.as_deref().is_none_or(|a| m.api == a))
        .collect();
    Json(json!({ "count": list.len(), "messages": list }))
}

#[derive(Deserialize, Default)]
pub struct FaultSet {
    #[serde(default)]
    rules: Vec<FaultRule>,
    #[serde(default)]
    quotas: Vec<Quota>,
}

/// Adds fault rules and quotas (`DELETE` clears them).
pub async fn add_faults(State(sim): State<Arc<Sim>>, Json(set): Json<FaultSet>) -> StatusCode {
    let mut inner = sim.lock();
    inner.faults.rules.extend(set.rules);
    for quota in set.quotas {
        inner.faults.quotas.insert(quota.op.clone(), quota);
    }
    StatusCode::NO_CONTENT
}

pub async fn clear_faults(State(sim): State<Arc<Sim>>) -> StatusCode {
    sim.lock().faults.clear();
    StatusCode::NO_CONTENT
}

/// Token fetches, calls per operation and the peak calls in any one second per operation.
pub async fn stats(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let inner = sim.lock();
    Json(json!({
        "tokenFetches": inner.counters.token_fetches,
        "calls": inner.counters.calls,
        "peakPerSecond": inner.counters.peak_per_second,
        "messages": inner.messages.len(),
    }))
}

#[derive(Deserialize)]
pub struct EventFilter {
    event: Option<String>,
}

/// Every event WeChat pushed by itself (job-finish events), oldest first, optionally one kind:
/// `{"events": [{"Event": "MASSSENDJOBFINISH", "MsgID": …, …}]}`. A test whose app listens on no
/// URL delivers them itself.
pub async fn events(State(sim): State<Arc<Sim>>, Query(f): Query<EventFilter>) -> Json<Value> {
    let inner = sim.lock();
    let list: Vec<&_> = inner.pushed_events.iter().filter(|e| f.event.as_deref().is_none_or(|k| e.get("Event").and_then(Value::as_str) == Some(k))).collect();
    Json(json!({ "events": list }))
}
