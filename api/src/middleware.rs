//! Cross-cutting layers: request ids, request tracing, and panics turned into the error envelope.

use std::any::Any;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderName, Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::error::ApiError;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn wrap(router: Router) -> Router {
    router
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<Body>| {
                    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("http", request.id = %id, http.method = %req.method(), http.path = %req.uri().path())
                })
                .on_request(())
                .on_response(|res: &Response<Body>, latency: Duration, _span: &Span| {
                    tracing::info!(http.status = res.status().as_u16(), latency_ms = latency.as_millis() as u64, "request finished");
                })
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "handler panicked");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "internal server error").into_response()
}
