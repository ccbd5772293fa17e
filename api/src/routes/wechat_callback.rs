//! `GET|POST /api/nurses/msg/wx/callback`: the Official Account callback (seed 000's path).
//!
//! GET answers WeChat's verification with `echostr` once the signature holds. POST refuses a
//! timestamp outside the window, checks the mode (`WECHAT_MP_CALLBACK_MODE`) and the signature
//! (`msg_signature` when encrypted), decrypts, parses (bounded, hostile XML refused with a 400
//! envelope), refuses a `(timestamp, nonce)` pair replayed with another body, drops duplicate
//! deliveries (WeChat retries after 5 s, 3 tries) and answers within the budget: a passive reply
//! when the domain has one, else `success`. An effect that fails or overruns releases its claim and
//! answers 503, so WeChat's retry runs it again. Refusals are counted
//! (`yizhan_wechat_callback_refused_total{reason}`) and logged at warn, never with the body.

mod dedup;
mod desk;
mod effect;
mod nonce;
mod notices;

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use yizhan_common::mask;
use yizhan_common::metrics::names;
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
    metrics::counter!(names::WECHAT_CALLBACK_REFUSED, "reason" => err.reason()).increment(1);
    tracing::warn!(wechat.callback_error = %err, reason = err.reason(), "callback refused");
    match err {
        CallbackError::BadSignature => ApiError::unauthorized("bad_signature", "callback signature does not match"),
        CallbackError::Stale => ApiError::bad_request("stale_callback", "callback timestamp is outside the accepted window"),
        CallbackError::ReplayedNonce => ApiError::conflict("replayed_callback", "callback nonce was already used"),
        CallbackError::Unencrypted | CallbackError::PlaintextInSafeMode => {
            ApiError::new(StatusCode::FORBIDDEN, "encryption_required", err.to_string())
        }
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
    let now = chrono::Utc::now().timestamp();
    codec.check_fresh(&query, now).map_err(refused)?;
    let opened = codec.open(&query, &body).map_err(refused)?;
    nonce::check(&state, &query, &body, codec.max_age().as_secs()).await.map_err(refused)?;
    let inbound = &opened.inbound;
    let key = dedup_key(inbound);
    let timestamp = now.to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let claim = dedup::claim(&state, &key).await;
    if let Claim::Duplicate(remembered) = claim {
        tracing::info!(wechat.openid = %mask::openid(&inbound.from_user), wechat.dedup = %key, "duplicate callback");
        return match remembered {
            Some(reply) => Ok(xml(codec.answer_xml(&reply, opened.encrypted, &timestamp, &nonce).map_err(refused)?)),
            None => Ok(success()),
        };
    }
    let failure = match tokio::time::timeout(BUDGET, effect::on_inbound(&state, inbound)).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(err)) => Err(format!("callback effect failed: {err:#}")),
        Err(_) => Err("callback effect exceeded its budget".to_owned()),
    };
    let body = match failure {
        Ok(body) => body,
        Err(why) => {
            tracing::error!(error = %why, wechat.dedup = %key, "callback not handled: claim released for WeChat's retry");
            if matches!(claim, Claim::First) {
                dedup::release(&state, &key).await;
            }
            return Err(ApiError::unavailable("the callback could not be handled; WeChat will retry"));
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
