//! `GET /cgi-bin/token` and `POST /cgi-bin/stable_token` with WeChat's lifetimes: a plain fetch
//! replaces the previous token; stable_token returns the same token while it is valid (a new one
//! only in its last five minutes, the old one staying valid), and force_refresh invalidates it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::gate::{enter, json_body, refuse};
use crate::state::{random_hex, Inner, Sim, TokenInfo};

const OVERLAP: Duration = Duration::from_secs(300);

#[derive(Deserialize)]
pub struct TokenQuery {
    grant_type: Option<String>,
    appid: Option<String>,
    secret: Option<String>,
}

pub async fn token(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>) -> Response {
    if let Err(r) = enter(&sim, "token").await {
        return r;
    }
    if let Err(r) = check_credentials(&sim, q.grant_type.as_deref(), q.appid.as_deref(), q.secret.as_deref()) {
        return r;
    }
    let appid = q.appid.unwrap_or_default();
    let ttl = sim.config.token_ttl;
    let mut inner = sim.lock();
    if let Some(old) = inner.plain_current.remove(&appid) {
        inner.tokens.remove(&old);
    }
    let token = issue(&mut inner, &appid, ttl);
    inner.plain_current.insert(appid, token.clone());
    inner.counters.token_fetches += 1;
    Json(json!({ "access_token": token, "expires_in": ttl.as_secs() })).into_response()
}

#[derive(Deserialize)]
struct StableBody {
    grant_type: Option<String>,
    appid: Option<String>,
    secret: Option<String>,
    #[serde(default)]
    force_refresh: bool,
}

pub async fn stable_token(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    if let Err(r) = enter(&sim, "stable_token").await {
        return r;
    }
    let body: StableBody = match json_body(&body).and_then(|v| serde_json::from_value(v).map_err(|_| refuse(47001, "data format error"))) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = check_credentials(&sim, body.grant_type.as_deref(), body.appid.as_deref(), body.secret.as_deref()) {
        return r;
    }
    let appid = body.appid.unwrap_or_default();
    let ttl = sim.config.token_ttl;
    let now = Instant::now();
    let mut inner = sim.lock();
    if body.force_refresh {
        let recent = inner.force_refreshes.entry(appid.clone()).or_default();
        recent.retain(|t| now.duration_since(*t) < Duration::from_secs(86_400));
        if recent.len() >= 20 || recent.last().is_some_and(|t| now.duration_since(*t) < Duration::from_secs(30)) {
            return refuse(45009, "reach max api daily quota limit");
        }
        recent.push(now);
        if let Some((old, _)) = inner.stable_current.remove(&appid) {
            inner.tokens.remove(&old);
        }
    }
    let reuse = inner.stable_current.get(&appid).and_then(|(t, _)| {
        let info = inner.tokens.get(t)?;
        let left = info.expires.checked_duration_since(now)?;
        (left > OVERLAP).then(|| (t.clone(), left))
    });
    let (token, left) = match reuse {
        Some(found) => found,
        None => {
            let token = issue(&mut inner, &appid, ttl);
            inner.stable_current.insert(appid, (token.clone(), now));
            (token, ttl)
        }
    };
    inner.counters.token_fetches += 1;
    Json(json!({ "access_token": token, "expires_in": left.as_secs() })).into_response()
}

fn check_credentials(sim: &Sim, grant: Option<&str>, appid: Option<&str>, secret: Option<&str>) -> Result<(), Response> {
    if grant != Some("client_credential") {
        return Err(refuse(40002, "invalid grant_type"));
    }
    let Some(expected) = appid.and_then(|a| sim.config.apps.get(a)) else {
        return Err(refuse(40013, "invalid appid"));
    };
    if secret != Some(expected.as_str()) {
        return Err(refuse(40125, "invalid appsecret"));
    }
    Ok(())
}

fn issue(inner: &mut Inner, appid: &str, ttl: Duration) -> String {
    let token = format!("SIMTOKEN_{}", random_hex(24));
    inner.tokens.insert(token.clone(), TokenInfo { appid: appid.to_owned(), expires: Instant::now() + ttl });
    token
}
