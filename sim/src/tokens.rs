//! `/cgi-bin/token` and `/cgi-bin/stable_token` with WeChat's lifetimes and invalidation.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;

use crate::state::{wx_err, Sim, TokenInfo, World, WxError, TOKEN_LIFETIME};

/// stable_token hands out a new token only in the old one's last 5 minutes.
const RENEW_WINDOW: u64 = 300;
const FORCE_PER_DAY: usize = 20;
const FORCE_SPACING: u64 = 30;

fn new_token(world: &mut World, appid: &str, now: u64) -> String {
    world.issued += 1;
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!("SIM{}_{}", world.issued, hex::encode(bytes));
    world.tokens.insert(token.clone(), TokenInfo { appid: appid.to_owned(), expires_at: now + TOKEN_LIFETIME });
    token
}

fn check_app(world: &World, grant_type: Option<&str>, appid: Option<&str>, secret: Option<&str>) -> Result<String, WxError> {
    if grant_type != Some("client_credential") {
        return Err(WxError(40002, "invalid grant_type"));
    }
    let appid = appid.unwrap_or_default();
    let known = world.apps.get(appid).ok_or(WxError(40013, "invalid appid"))?;
    if Some(known.as_str()) != secret {
        return Err(WxError(40125, "invalid appsecret"));
    }
    Ok(appid.to_owned())
}

/// `GET /cgi-bin/token`: every fetch issues a new token and invalidates the previous one.
pub async fn token(State(sim): State<Sim>, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(fault) = sim.enter("token").await {
        return fault;
    }
    let mut w = sim.world();
    w.token_fetches += 1;
    let appid = match check_app(&w, q.get("grant_type").map(String::as_str), q.get("appid").map(String::as_str), q.get("secret").map(String::as_str)) {
        Ok(appid) => appid,
        Err(answer) => return answer.into_response(),
    };
    let now = sim.now(&w);
    if let Some(old) = w.plain.remove(&appid) {
        w.tokens.remove(&old);
    }
    let token = new_token(&mut w, &appid, now);
    w.plain.insert(appid, token.clone());
    Json(json!({"access_token": token, "expires_in": TOKEN_LIFETIME})).into_response()
}

#[derive(Deserialize)]
pub struct StableRequest {
    grant_type: Option<String>,
    appid: Option<String>,
    secret: Option<String>,
    #[serde(default)]
    force_refresh: bool,
}

/// `POST /cgi-bin/stable_token`: the same token while valid (a new one in the last 5 minutes,
/// both valid then); `force_refresh` replaces it at once, at most 20 a day and 30 s apart.
pub async fn stable_token(State(sim): State<Sim>, Json(req): Json<StableRequest>) -> Response {
    if let Some(fault) = sim.enter("stable_token").await {
        return fault;
    }
    let mut w = sim.world();
    w.token_fetches += 1;
    let appid = match check_app(&w, req.grant_type.as_deref(), req.appid.as_deref(), req.secret.as_deref()) {
        Ok(appid) => appid,
        Err(answer) => return answer.into_response(),
    };
    let now = sim.now(&w);
    let current = w.stable.get(&appid).cloned();
    let remaining = current.as_ref().and_then(|t| w.tokens.get(t)).map(|i| i.expires_at.saturating_sub(now)).unwrap_or(0);
    if req.force_refresh {
        let history = w.force_refreshes.entry(appid.clone()).or_default();
        history.retain(|t| now.saturating_sub(*t) < 86_400);
        if history.len() >= FORCE_PER_DAY {
            return wx_err(45009, "reach max api daily quota limit");
        }
        if history.last().is_some_and(|t| now.saturating_sub(*t) < FORCE_SPACING) {
            return wx_err(45011, "api minute-quota reach limit, force_refresh too frequent");
        }
        history.push(now);
        if let Some(old) = current {
            w.tokens.remove(&old);
        }
    } else if let Some(token) = current.filter(|_| remaining > RENEW_WINDOW) {
        return Json(json!({"access_token": token, "expires_in": remaining})).into_response();
    }
    let token = new_token(&mut w, &appid, now);
    w.stable.insert(appid, token.clone());
    Json(json!({"access_token": token, "expires_in": TOKEN_LIFETIME})).into_response()
}
