//! `GET /metrics`: this process's metrics in the Prometheus text format. Like `/healthz` it
//! carries no personal data; keep it off the public internet at the reverse proxy.

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::openapi::TAG_HEALTH;

#[utoipa::path(get, path = "/metrics", tag = TAG_HEALTH,
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain; version=0.0.4", body = String)))]
/// This process's metrics (not JSON).
pub async fn show() -> Response {
    match yizhan_common::metrics::install() {
        Ok(handle) => ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response(),
        Err(err) => ApiError::internal(err).into_response(),
    }
}
