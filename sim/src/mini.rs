//! `jscode2session` and the web OAuth exchange: codes made by `POST /_sim/users`, single-use,
//! living 5 minutes.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::state::{Sim, WxError};

const CODE_LIFETIME: u64 = 300;

fn exchange(sim: &Sim, q: &HashMap<String, String>, code_param: &str) -> Result<String, WxError> {
    let mut w = sim.world();
    let appid = q.get("appid").map(String::as_str).unwrap_or_default();
    let secret = w.apps.get(appid).cloned().ok_or(WxError(40013, "invalid appid"))?;
    if q.get("secret") != Some(&secret) {
        return Err(WxError(40125, "invalid appsecret"));
    }
    if q.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return Err(WxError(40002, "invalid grant_type"));
    }
    let now = sim.now(&w);
    let key = q.get(code_param).cloned().unwrap_or_default();
    let code = w.codes.get_mut(&key).ok_or(WxError(40029, "invalid code"))?;
    if code.used {
        return Err(WxError(40163, "code been used"));
    }
    if now.saturating_sub(code.created) > CODE_LIFETIME {
        return Err(WxError(40029, "invalid code, expired"));
    }
    code.used = true;
    Ok(code.openid.clone())
}

pub async fn jscode2session(State(sim): State<Sim>, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(fault) = sim.enter("jscode2session").await {
        return fault;
    }
    match exchange(&sim, &q, "js_code") {
        Ok(openid) => Json(json!({"openid": openid, "session_key": "c2ltLXNlc3Npb24ta2V5"})).into_response(),
        Err(answer) => answer.into_response(),
    }
}

pub async fn oauth_access_token(State(sim): State<Sim>, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(fault) = sim.enter("oauth_access_token").await {
        return fault;
    }
    match exchange(&sim, &q, "code") {
        Ok(openid) => Json(json!({
            "access_token": "SIM_WEB_TOKEN", "expires_in": 7200, "refresh_token": "SIM_REFRESH",
            "openid": openid, "scope": "snsapi_base"
        }))
        .into_response(),
        Err(answer) => answer.into_response(),
    }
}
