//! What every simulated API call passes first: counting, injected faults and the access token.

use std::time::Instant;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::state::{err, Sim};

/// A refusal, already shaped as WeChat answers it.
pub type Refusal = Response;

pub fn refuse(code: i64, msg: &str) -> Refusal {
    Json(err(code, msg)).into_response()
}

/// Counts the call and applies faults and quotas for `op`.
pub async fn enter(sim: &Sim, op: &str) -> Result<(), Refusal> {
    let verdict = {
        let mut inner = sim.lock();
        inner.count_call(op);
        inner.faults.judge(op)
    };
    if !verdict.latency.is_zero() {
        tokio::time::sleep(verdict.latency).await;
    }
    if let Some(status) = verdict.http_status {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        return Err((status, "simulated upstream failure").into_response());
    }
    match verdict.errcode {
        Some((code, msg)) => Err(refuse(code, msg)),
        None => Ok(()),
    }
}

/// The appid an access token belongs to, or WeChat's refusal (41001 / 40001 / 42001).
pub fn app_of_token(sim: &Sim, token: Option<&str>) -> Result<String, Refusal> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(refuse(41001, "access_token missing"));
    };
    let inner = sim.lock();
    match inner.tokens.get(token) {
        None => Err(refuse(40001, "invalid credential, access_token is invalid or not latest")),
        Some(info) if info.expires <= Instant::now() => Err(refuse(42001, "access_token expired")),
        Some(info) => Ok(info.appid.clone()),
    }
}

/// The body as JSON, or WeChat's 47001 for a body that is not.
pub fn json_body(bytes: &[u8]) -> Result<Value, Refusal> {
    serde_json::from_slice(bytes).map_err(|_| refuse(47001, "data format error"))
}
