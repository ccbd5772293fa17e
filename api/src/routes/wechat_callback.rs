//! `GET|POST /api/nurses/msg/wx/callback`: the Official Account callback (seed 000's path).
//!
//! GET answers WeChat's verification with `echostr` once the signature holds. POST checks the
//! signature (`msg_signature` in safe mode), decrypts, parses (bounded, hostile XML refused with a
//! 400 envelope), drops duplicate deliveries (WeChat retries after 5 s, 3 tries) and answers within
//! the budget: a passive reply when the domain has one, else `success`.

mod dedup;
mod effect;

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use yizhan_common::mask;
use yizhan_common::wechat::callback::{dedup_key, CallbackCodec, CallbackError, CallbackQuery, Reply};

use crate::error::ApiError;
use crate::state::AppState;
use dedup::Claim;

pub const PATH: &str = "/api/nurses/msg/wx/callback";

/// Most bytes accepted in one callback body (the encrypted envelope of a 64 KiB message).
const MAX_BODY: usize = 128 * 1024;
/// WeChat gives up after 5 s; the domain effect gets this long.
const BUDGET: Duration = Duration::from_secs(4);

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(verify).post(receive))
}

fn codec(state: &AppState) -> Result<&CallbackCodec, ApiError> {
    state
        .config
        .wechat_callback
        .as_ref()
        .ok_or_else(|| ApiError::unavailable("the WeChat callback is not configured"))
}

fn refused(err: CallbackError) -> ApiError {
    tracing::info!(wechat.callback_error = %err, "callback refused");
    match err {
        CallbackError::BadSignature => ApiError::unauthorized("bad_signature", "callback signature does not match"),
        CallbackError::TooLarge { .. } => ApiError::bad_request("callback_too_large", "callback body is too large"),
        CallbackError::MissingParam(name) => ApiError::bad_request("bad_callback", format!("query lacks `{name}`")),
        _ => ApiError::bad_request("bad_callback", "callback body is not acceptable"),
    }
}

fn success() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "success").into_response()
}

fn xml(body: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/xml; charset=utf-8")], body).into_response()
}

async fn verify(State(state): State<AppState>, Query(query): Query<CallbackQuery>) -> Result<Response, ApiError> {
    let echo = codec(&state)?.verify_echo(&query).map_err(refused)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], echo.to_owned()).into_response())
}

async fn receive(State(state): State<AppState>, Query(query): Query<CallbackQuery>, body: Bytes) -> Result<Response, ApiError> {
    let codec = codec(&state)?;
    if body.len() > MAX_BODY {
        return Err(refused(CallbackError::TooLarge { limit: MAX_BODY }));
    }
    let opened = codec.open(&query, &body).map_err(refused)?;
    let inbound = &opened.inbound;
    let key = dedup_key(inbound);
    let now = chrono::Utc::now().timestamp();
    let timestamp = now.to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    match dedup::claim(&state, &key).await {
        Claim::Duplicate(remembered) => {
            tracing::info!(wechat.openid = %mask::openid(&inbound.from_user), wechat.dedup = %key, "duplicate callback");
            return match remembered {
                Some(reply) => Ok(xml(codec.answer_xml(&reply, opened.encrypted, &timestamp, &nonce).map_err(refused)?)),
                None => Ok(success()),
            };
        }
        Claim::First | Claim::Unavailable => {}
    }
    let body = match tokio::time::timeout(BUDGET, effect::on_inbound(&state, inbound)).await {
        Ok(Ok(body)) => body,
        Ok(Err(err)) => {
            tracing::error!(error = %format!("{err:#}"), wechat.dedup = %key, "callback effect failed");
            None
        }
        Err(_) => {
            tracing::warn!(wechat.dedup = %key, "callback effect exceeded its budget");
            None
        }
    };
    let Some(body) = body else {
        return Ok(success());
    };
    let reply = Reply { to_user: inbound.from_user.clone(), from_user: inbound.to_user.clone(), create_time: now, body };
    let reply_xml = reply.to_xml();
    dedup::remember(&state, &key, &reply_xml).await;
    Ok(xml(codec.answer_xml(&reply_xml, opened.encrypted, &timestamp, &nonce).map_err(refused)?))
}
