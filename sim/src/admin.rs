//! Inspection and control under `/_sim/`: delivered messages, fake users and codes, templates,
//! injected faults, the clock and the counters.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;

use crate::state::{Code, Fault, Sim};

/// `GET /_sim/messages`: every message accepted, in order.
pub async fn messages(State(sim): State<Sim>) -> Response {
    Json(json!({"messages": sim.world().messages.clone()})).into_response()
}

#[derive(Deserialize)]
pub struct NewUser {
    /// The openid; a random one when absent.
    openid: Option<String>,
    /// A js_code (or OAuth code) that will exchange to this openid, once.
    js_code: Option<String>,
    /// One-time subscribe grants: template id → count.
    #[serde(default)]
    grants: HashMap<String, u32>,
}

/// `POST /_sim/users {openid?, js_code?, grants?}` → `{openid}`.
pub async fn users(State(sim): State<Sim>, Json(user): Json<NewUser>) -> Response {
    let openid = user.openid.unwrap_or_else(|| {
        let mut bytes = [0u8; 10];
        rand::thread_rng().fill_bytes(&mut bytes);
        format!("oSIM{}", hex::encode(bytes))
    });
    let mut w = sim.world();
    let now = sim.now(&w);
    w.users.insert(openid.clone());
    if let Some(code) = user.js_code {
        w.codes.insert(code, Code { openid: openid.clone(), created: now, used: false });
    }
    for (template, count) in user.grants {
        *w.grants.entry((openid.clone(), template)).or_default() += count;
    }
    Json(json!({"openid": openid})).into_response()
}

#[derive(Deserialize)]
pub struct NewTemplate {
    template_id: String,
    keys: Vec<String>,
}

/// `POST /_sim/templates {template_id, keys}`: a subscribe template and its keyword keys.
pub async fn templates(State(sim): State<Sim>, Json(t): Json<NewTemplate>) -> Response {
    sim.world().templates.insert(t.template_id, t.keys);
    Json(json!({"ok": true})).into_response()
}

#[derive(Deserialize)]
pub struct NewFault {
    /// Operation name: `stable_token`, `token`, `jscode2session`, `subscribe_send`, …
    op: String,
    errcode: Option<i64>,
    /// How many calls it hits; every call when absent.
    count: Option<u32>,
    #[serde(default)]
    latency_ms: u64,
}

/// `POST /_sim/faults {op, errcode?, count?, latency_ms?}`; a fault with neither clears the op.
pub async fn faults(State(sim): State<Sim>, Json(f): Json<NewFault>) -> Response {
    let mut w = sim.world();
    if f.errcode.is_none() && f.latency_ms == 0 {
        w.faults.remove(&f.op);
    } else {
        w.faults.insert(f.op, Fault { errcode: f.errcode, remaining: f.count, latency_ms: f.latency_ms });
    }
    Json(json!({"ok": true})).into_response()
}

#[derive(Deserialize)]
pub struct Advance {
    advance_secs: u64,
}

/// `POST /_sim/clock {advance_secs}`: moves simulated time forward (token and code lifetimes).
pub async fn clock(State(sim): State<Sim>, Json(a): Json<Advance>) -> Response {
    let mut w = sim.world();
    w.clock_offset += a.advance_secs;
    let now = sim.now(&w);
    Json(json!({"now": now})).into_response()
}

/// `GET /_sim/counters`: token fetches and calls per operation.
pub async fn counters(State(sim): State<Sim>) -> Response {
    let w = sim.world();
    Json(json!({"token_fetches": w.token_fetches, "calls": w.calls.clone()})).into_response()
}
