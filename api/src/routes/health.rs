//! `GET /healthz` (the process is alive) and `GET /readyz` (PostgreSQL and Redis answer).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use yizhan_common::db;

use crate::error::ApiError;
use crate::state::AppState;

/// `GET /healthz`: `{"status":"ok"}` while the process serves.
#[derive(Debug, Serialize)]
pub struct Health {
    status: &'static str,
}

/// `GET /readyz` when both stores answer: `{"postgres":"ok","redis":"ok","status":"ready"}`.
#[derive(Debug, Serialize)]
pub struct Ready {
    postgres: &'static str,
    redis: &'static str,
    status: &'static str,
}

pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    let (postgres, redis) = tokio::join!(
        tokio::time::timeout(std::time::Duration::from_secs(2), db::ping(&state.db)),
        state.redis.ping()
    );
    let postgres = matches!(postgres, Ok(true));
    if postgres && redis {
        return (StatusCode::OK, Json(Ready { postgres: "ok", redis: "ok", status: "ready" })).into_response();
    }
    let down: Vec<&str> = [(!postgres).then_some("postgres"), (!redis).then_some("redis")]
        .into_iter()
        .flatten()
        .collect();
    tracing::warn!(down = ?down, "not ready");
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", format!("unreachable: {}", down.join(", ")))
        .into_response()
}
