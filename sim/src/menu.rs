//! The Official Account's custom menu: `POST /cgi-bin/menu/create` with WeChat's checks (1–3
//! buttons; a button with sub-buttons has 1–5 and no type; names at most 16 bytes at the top and
//! 60 below; `click` needs a key of at most 128 bytes, `view` an http(s) URL of at most 1024),
//! `GET /cgi-bin/menu/get`, and `GET /_sim/menu` for tests (the menu as created, or null).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::gate::{app_of_token, enter, json_body, refuse, Refusal};
use crate::mini::TokenQuery;
use crate::state::{ok_body, Sim};

fn check_button(b: &Value, top: bool) -> Result<(), Refusal> {
    let name = b["name"].as_str().unwrap_or_default();
    let name_limit = if top { 16 } else { 60 };
    if name.is_empty() || name.len() > name_limit {
        return Err(if top { refuse(40018, "invalid button name size") } else { refuse(40025, "invalid sub button name size") });
    }
    if top {
        if let Some(subs) = b.get("sub_button").and_then(Value::as_array).filter(|s| !s.is_empty()) {
            if subs.len() > 5 {
                return Err(refuse(40023, "invalid sub button size"));
            }
            return subs.iter().try_for_each(|s| check_button(s, false));
        }
    }
    match b["type"].as_str() {
        Some("click") => {
            let key = b["key"].as_str().unwrap_or_default();
            if key.is_empty() || key.len() > 128 {
                return Err(refuse(40019, "invalid button key size"));
            }
        }
        Some("view") => {
            let url = b["url"].as_str().unwrap_or_default();
            if url.len() > 1024 || !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(if top { refuse(40024, "invalid button url size") } else { refuse(40027, "invalid sub button url size") });
            }
        }
        _ => return Err(refuse(40017, "invalid button type")),
    }
    Ok(())
}

pub async fn create(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>, body: Bytes) -> Response {
    if let Err(r) = enter(&sim, "menu_create").await {
        return r;
    }
    if let Err(r) = app_of_token(&sim, q.access_token.as_deref()) {
        return r;
    }
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let buttons = body["button"].as_array().cloned().unwrap_or_default();
    if buttons.is_empty() || buttons.len() > 3 {
        return refuse(40016, "invalid button size");
    }
    if let Err(r) = buttons.iter().try_for_each(|b| check_button(b, true)) {
        return r;
    }
    sim.lock().menu = Some(json!({"button": buttons}));
    Json(ok_body()).into_response()
}

pub async fn get(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>) -> Response {
    if let Err(r) = enter(&sim, "menu_get").await {
        return r;
    }
    if let Err(r) = app_of_token(&sim, q.access_token.as_deref()) {
        return r;
    }
    match sim.lock().menu.clone() {
        Some(menu) => Json(json!({"menu": menu})).into_response(),
        None => refuse(46003, "menu no exist"),
    }
}

/// `GET /_sim/menu`: the menu as created, or null.
pub async fn current(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(sim.lock().menu.clone().unwrap_or(Value::Null))
}
