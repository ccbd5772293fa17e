//! A JSON body extractor whose every failure is the error envelope: wrong content type → 415,
//! body over the limit → 413, malformed JSON → 400, wrong shape → 422 naming the field.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// `Json<T>` for request bodies.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(not_json());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        parse(&bytes).map(ApiJson)
    }
}

/// A JSON body that may be absent (DELETE with an optional body, seed 001): an empty body is
/// `None`; a present body must be valid JSON of the right shape.
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let has_type = req.headers().contains_key(header::CONTENT_TYPE);
        let json = is_json(&req);
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        if has_type && !json {
            return Err(not_json());
        }
        parse(&bytes).map(|v| OptionalJson(Some(v)))
    }
}

fn not_json() -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "expected a body with Content-Type: application/json")
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "request body is too large")
    } else {
        ApiError::bad_request("unreadable_body", "the request body could not be read")
    }
}

/// Parses a body, telling syntax errors (400) from shape errors (422, with the field's path).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let inner = err.inner();
        if inner.is_syntax() || inner.is_eof() {
            return malformed(inner);
        }
        let message = inner.to_string();
        let (field, text) = match missing_field(&message) {
            Some(name) => (join_path(&err.path().to_string(), name), "is required".to_owned()),
            None => (err.path().to_string(), strip_position(&message)),
        };
        let field = if field == "." || field.is_empty() { "body".to_owned() } else { field };
        ApiError::field(&field, text)
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(err: &serde_json::Error) -> ApiError {
    ApiError::bad_request("malformed_json", format!("malformed JSON: {err}"))
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn join_path(parent: &str, name: &str) -> String {
    if parent == "." || parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(idx) => message[..idx].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Booking {
        schedule_id: i64,
        patient: Option<Patient>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Patient {
        name: String,
    }

    fn fail(body: &str) -> (StatusCode, String) {
        let err = parse::<Booking>(body.as_bytes()).expect_err("must fail");
        (err.status(), err.code().to_owned())
    }

    #[test]
    fn missing_field_is_named_and_required() {
        let err = parse::<Booking>(b"{}").expect_err("must fail");
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(format!("{err:?}").contains("scheduleId"));
    }

    #[test]
    fn nested_paths_are_reported() {
        let err = parse::<Booking>(br#"{"scheduleId":1,"patient":{"name":5}}"#).expect_err("must fail");
        assert!(format!("{err:?}").contains("patient.name"));
    }

    #[test]
    fn syntax_errors_are_400() {
        assert_eq!(fail("{\"scheduleId\":"), (StatusCode::BAD_REQUEST, "malformed_json".into()));
        assert_eq!(fail("{\"scheduleId\":1} trailing"), (StatusCode::BAD_REQUEST, "malformed_json".into()));
    }

    #[test]
    fn wrong_types_are_422() {
        assert_eq!(fail(r#"{"scheduleId":"x"}"#), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed".into()));
    }
}
