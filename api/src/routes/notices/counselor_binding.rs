//! A counselor binds their own WeChat account the way students do (老师关注公众号后也进行消息的推送和管理):
//! an admin issues a one-time code for the counselor (`POST /school/counselors/{id}/bind-code`,
//! the same codes as students', `bind_codes::Holder::Counselor`); on the bind page (H5, web OAuth)
//! the counselor gives the phone on file and the code (`POST /school/counselor-binding`). The
//! account then holds the `counselor` role and sees the counselor's classes, beside any sign-in
//! account the counselor already has, so the H5 compose and statistics pages work for it. Wrong
//! codes count against the code and the account's hourly attempts (the students' rules); binding
//! again is the same answer; the answer is what was committed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::mask;
use yizhan_common::notices::bind_codes::{self, CodeCheck, Holder};
use yizhan_common::notices::counselor_of;
use yizhan_common::notices::counselors::{self, Counselor};
use yizhan_common::sms::normalize_mainland_mobile;
use yizhan_common::time::serialize_local;
use yizhan_common::users::{self, Role, UserPatch};

use super::binding::caller_openid;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{AdminOnly, ApiJson, ApiPath, AuthUser, Authorized};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_NOTICES;
use crate::routes::visitor::limits;
use crate::routes::visitor::wechat_binding::code_expired;
use crate::state::AppState;

/// A one-time code for a counselor's WeChat account, to hand over.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"counselorId": 3, "name": "王老师", "phone": "138****0001", "code": "381205", "expiresAt": "2026-12-08T10:00:00+08:00"}))]
pub struct CounselorCodeView {
    counselor_id: i64,
    name: String,
    /// The phone on file (masked), which the counselor types with the code.
    phone: String,
    code: String,
    #[serde(serialize_with = "serialize_local")]
    expires_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/school/counselors/{id}/bind-code", tag = TAG_NOTICES, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The counselor's id")),
    responses((status = 201, description = "A new code (the counselor's earlier ones no longer work)", body = CounselorCodeView),
        (status = 404, description = "No such counselor", body = ErrorEnvelope),
        (status = 409, description = "`no_phone_on_file`: the counselor proves who they are with the phone on file; add it first", body = ErrorEnvelope)))]
/// Issues a one-time code with which a counselor binds their WeChat account.
pub async fn issue_code(State(state): State<AppState>, who: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<(StatusCode, Json<CounselorCodeView>)> {
    let mut tx = state.db.begin().await?;
    let c = counselors::find(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("counselor"))?;
    let phone = c.phone.ok_or_else(|| ApiError::conflict("no_phone_on_file", "the counselor has no phone on file: they bind with it and the code"))?;
    let code = bind_codes::new_code();
    let expires_at = Utc::now() + chrono::Duration::from_std(state.config.notices.bind_code_ttl).map_err(ApiError::internal)?;
    bind_codes::issue(&mut tx, Holder::Counselor(c.id), &code, who.user().id, expires_at).await?;
    tx.commit().await?;
    tracing::info!(user.id = who.user().id, counselor.id = c.id, "counselor binding code issued");
    Ok((StatusCode::CREATED, Json(CounselorCodeView { counselor_id: c.id, name: c.name, phone: mask::phone(&phone), code, expires_at })))
}

/// The counselor the caller's account is (bound or signed in as).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"bound": true, "counselorId": 3, "name": "王老师"}))]
pub struct CounselorBindingView {
    bound: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    counselor_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

impl From<Option<Counselor>> for CounselorBindingView {
    fn from(c: Option<Counselor>) -> Self {
        match c {
            None => Self { bound: false, counselor_id: None, name: None },
            Some(c) => Self { bound: true, counselor_id: Some(c.id), name: Some(c.name) },
        }
    }
}

#[utoipa::path(get, path = "/school/counselor-binding", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "`{bound: false}`, or the counselor the caller's account is", body = CounselorBindingView)))]
/// The counselor the caller is, if any (the counselor's bind page reads it first).
pub async fn show(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<CounselorBindingView>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(counselors::of_user(&mut conn, auth.user.id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"phone": "13800000001", "code": "381205"}))]
pub struct CounselorBindBody {
    /// The phone on file.
    phone: String,
    /// The admin's 6-digit code.
    code: String,
}

#[utoipa::path(post, path = "/school/counselor-binding", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])), request_body = CounselorBindBody,
    responses((status = 200, description = "Bound (or already bound to this counselor): the binding as committed", body = CounselorBindingView),
        (status = 400, description = "`invalid_code` (tries left in the message) or `code_expired`", body = ErrorEnvelope),
        (status = 409, description = "`no_openid`: not signed in through the Official Account", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: too many attempts from this account", body = ErrorEnvelope)))]
/// Binds the caller's WeChat account to the counselor proven by phone and code.
pub async fn bind(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<CounselorBindBody>) -> ApiResult<Json<CounselorBindingView>> {
    let mut errors = FieldErrors::new();
    let phone = normalize_mainland_mobile(b.phone.trim());
    errors.check(phone.is_none(), "phone", "must be a mainland China mobile number");
    let code_ok = b.code.trim().len() == 6 && b.code.trim().bytes().all(|c| c.is_ascii_digit());
    errors.check(!code_ok, "code", "must be the 6-digit code");
    errors.finish()?;
    let phone = phone.unwrap_or_default();
    let (_, openid) = caller_openid(&state, auth.user.id).await?;
    let mut conn = state.db.acquire().await?;
    // Binding again to the same counselor is the same answer, without spending anything.
    if let Some(current) = counselors::of_user(&mut conn, auth.user.id).await? {
        if current.wechat_user_id == Some(auth.user.id) && current.phone.as_deref() == Some(phone.as_str()) {
            return Ok(Json(Some(current).into()));
        }
    }
    drop(conn);
    // The students' hourly attempts, counted in the same bucket.
    let key = state.redis_key(&format!("{{noticebind:{}}}", auth.user.id));
    limits::hit(&state, &[(key, state.config.notices.bind_attempts_per_hour, 3600)]).await?;
    let mut tx = state.db.begin().await?;
    let Some(counselor_id) = counselors::with_live_code(&mut tx, &phone).await? else { return Err(code_expired()) };
    let code_id = match bind_codes::check(&mut tx, Holder::Counselor(counselor_id), &b.code, state.config.notices.bind_code_max_attempts).await? {
        CodeCheck::Valid { code_id } => code_id,
        CodeCheck::Wrong { left } => {
            tx.commit().await?;
            return Err(ApiError::bad_request("invalid_code", format!("the phone or the code is wrong; {left} tries left")));
        }
        CodeCheck::Missing => return Err(code_expired()),
    };
    if !bind_codes::spend(&mut tx, code_id).await? {
        return Err(code_expired());
    }
    let replaced = counselors::bind_wechat(&mut tx, counselor_id, auth.user.id).await?;
    if !auth.user.has_role(Role::Counselor) {
        let mut roles = auth.user.roles.0.clone();
        roles.push(Role::Counselor);
        users::update(&mut tx, auth.user.id, &UserPatch { roles: Some(roles), ..UserPatch::default() }).await?;
    }
    // The WeChat account bound before (a new phone) is no counselor any more, unless it is
    // another counselor's account.
    if let Some(old) = replaced {
        if counselor_of(&mut tx, old).await?.is_none() {
            if let Some(user) = users::find_by_id(&mut tx, old).await? {
                let roles = user.roles.0.iter().copied().filter(|r| *r != Role::Counselor).collect();
                users::update(&mut tx, old, &UserPatch { roles: Some(roles), ..UserPatch::default() }).await?;
            }
        }
    }
    let bound = counselors::find(&mut tx, counselor_id).await?;
    tx.commit().await?;
    // The account now holds the `counselor` role: no cached token may answer with the old roles.
    state.tokens.forget_all();
    tracing::info!(user.id = auth.user.id, counselor.id = counselor_id, wechat.openid = %mask::openid(&openid), "counselor bound their WeChat account");
    Ok(Json(bound.into()))
}
