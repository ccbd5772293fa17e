//! `GET /metrics`: this process's metrics in the Prometheus text format. Like `/healthz` it
//! carries no personal data; keep it off the public internet at the reverse proxy.

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

pub async fn show() -> Response {
    match yizhan_common::metrics::install() {
        Ok(handle) => ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response(),
        Err(err) => ApiError::internal(err).into_response(),
    }
}
