//! `GET /healthz` (the process is alive) and `GET /readyz` (PostgreSQL and Redis answer).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use yizhan_common::db;

use crate::error::ApiError;
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_HEALTH;
use crate::state::AppState;

/// `GET /healthz`: `{"status":"ok"}` while the process serves.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    status: &'static str,
}

/// `GET /readyz` when both stores answer: `{"postgres":"ok","redis":"ok","status":"ready"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    postgres: &'static str,
    redis: &'static str,
    status: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = TAG_HEALTH, responses((status = 200, description = "The process serves", body = Health)))]
/// Liveness.
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[utoipa::path(get, path = "/readyz", tag = TAG_HEALTH,
    responses((status = 200, description = "PostgreSQL and Redis answer", body = Ready),
        (status = 503, description = "`not_ready`, naming what is unreachable", body = ErrorEnvelope)))]
/// Readiness.
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
