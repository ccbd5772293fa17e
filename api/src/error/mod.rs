//! One JSON error envelope for every error the API answers:
//! `{"error":{"code":"validation_failed","message":"…","fields":{"scheduleId":"is required"}}}`.

mod db;
mod koala;
mod fields;

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub use fields::FieldErrors;

/// An error answered to a client. Internal causes are logged where they are converted, never sent.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: BTreeMap<String, String>,
    retry_after_secs: Option<u64>,
    conflict: Option<Box<PeriodView>>,
    detail: Option<Box<serde_json::Value>>,
}

/// A period in seed 002's names, e.g. what a 409 lost to (`room_taken`):
/// `{"error":{"code":"room_taken","message":"…","conflict":{"reserve_from":"…","reserve_to":"…"}}}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodView {
    #[serde(serialize_with = "yizhan_common::time::serialize_local")]
    pub reserve_from: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "yizhan_common::time::serialize_local")]
    pub reserve_to: chrono::DateTime<chrono::Utc>,
}

impl From<yizhan_common::college::reservations::Period> for PeriodView {
    fn from(p: yizhan_common::college::reservations::Period) -> Self {
        Self { reserve_from: p.from, reserve_to: p.to }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), fields: BTreeMap::new(), retry_after_secs: None, conflict: None, detail: None }
    }

    /// 422 with a message per field.
    pub fn validation(fields: BTreeMap<String, String>) -> Self {
        let mut err = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "request validation failed");
        err.fields = fields;
        err
    }

    /// 422 for one field.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        Self::validation(BTreeMap::from([(name.to_owned(), message.into())]))
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn too_many_requests(message: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
        err.retry_after_secs = Some(retry_after_secs.max(1));
        err
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// Logs the cause with its detail and answers an opaque 500.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "internal server error")
    }

    /// The same error, naming the period it lost to.
    pub fn with_conflict(mut self, conflict: PeriodView) -> Self {
        self.conflict = Some(Box::new(conflict));
        self
    }

    /// The same error with messages per field.
    pub fn with_fields(mut self, fields: impl IntoIterator<Item = (String, String)>) -> Self {
        self.fields.extend(fields);
        self
    }

    /// The same error with more about what is wrong, sent as `detail` (e.g. where a malformed
    /// records filter went wrong).
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(Box::new(detail));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The message per field of a 422 (empty otherwise).
    pub fn fields(&self) -> &BTreeMap<String, String> {
        &self.fields
    }

    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after_secs
    }

    /// The period a 409 lost to (`room_taken`).
    pub fn conflict_period(&self) -> Option<&PeriodView> {
        self.conflict.as_deref()
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    fields: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conflict: Option<&'a PeriodView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a serde_json::Value>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Envelope { error: Body { code: self.code, message: &self.message, fields: &self.fields, conflict: self.conflict.as_deref(), detail: self.detail.as_deref() } };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer, Token"));
        }
        response
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        Self::internal(format!("{err:#}"))
    }
}
