//! Binding a WeChat follower to a student (用户注册绑定), for the bind page (H5 behind the
//! Official Account's web OAuth: the caller's token comes from `POST /v2/wechat/login`, so their
//! openid is known). The student proves who they are with their number and either a one-time code
//! from their counselor (`POST /school/students/{id}/bind-code`) or an SMS code sent to the phone
//! on file (`POST /school/binding/sms-code`, seed 003's codes and limits). Wrong codes count
//! against the code and against the account's hourly attempts; binding again to the same student
//! answers the binding without a code; the answer is what was committed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::mask;
use yizhan_common::notices::bind_codes::{self, CodeCheck, Holder};
use yizhan_common::notices::bindings::{self, Binding};
use yizhan_common::notices::{students, tags};
use yizhan_common::time::serialize_local;
use yizhan_common::users::{self, Role, UserPatch};
use yizhan_common::visitor::codes;
use yizhan_common::wechat::identities;

use super::{scope_of, SchoolStaff};
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, ApiPath, AuthUser, Authorized, ClientIp};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_NOTICES;
use crate::routes::visitor::limits;
use crate::routes::visitor::wechat_binding::{code_expired, send_phone_code, CodeSent};
use crate::state::AppState;

/// A counselor's one-time code for one student, to hand over.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"studentId": 7, "studentNo": "2024010101", "code": "381205", "expiresAt": "2026-12-08T10:00:00+08:00"}))]
pub struct BindCodeView {
    student_id: i64,
    student_no: String,
    code: String,
    #[serde(serialize_with = "serialize_local")]
    expires_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/school/students/{id}/bind-code", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The student's id")),
    responses((status = 201, description = "A new code (the student's earlier ones no longer work)", body = BindCodeView),
        (status = 404, description = "No such student among the caller's", body = ErrorEnvelope)))]
/// Issues a one-time binding code for a student of the caller's classes.
pub async fn issue_code(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<(StatusCode, Json<BindCodeView>)> {
    let scope = scope_of(&state, &who).await?;
    let mut tx = state.db.begin().await?;
    let student = students::find(&mut tx, scope, id).await?.ok_or_else(|| ApiError::not_found("student"))?;
    let code = bind_codes::new_code();
    let expires_at = Utc::now() + chrono::Duration::from_std(state.config.notices.bind_code_ttl).map_err(ApiError::internal)?;
    bind_codes::issue(&mut tx, Holder::Student(student.id), &code, who.user().id, expires_at).await?;
    tx.commit().await?;
    tracing::info!(user.id = who.user().id, student.id = student.id, "binding code issued");
    Ok((StatusCode::CREATED, Json(BindCodeView { student_id: student.id, student_no: student.student_no, code, expires_at })))
}

/// The caller's binding.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"bound": true, "active": true, "studentNo": "2024010101", "name": "张三", "className": "计科2401"}))]
pub struct StudentBindingView {
    bound: bool,
    /// False after unfollowing the Official Account (nothing is sent); following again restores it.
    #[serde(skip_serializing_if = "Option::is_none")]
    active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    student_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class_name: Option<String>,
}

impl From<Option<Binding>> for StudentBindingView {
    fn from(b: Option<Binding>) -> Self {
        match b {
            None => Self { bound: false, active: None, student_no: None, name: None, class_name: None },
            Some(b) => Self { bound: true, active: Some(b.active), student_no: Some(b.student_no), name: Some(b.name), class_name: Some(b.class_name) },
        }
    }
}

/// The Official Account's appid and the caller's openid in it (they signed in through its web
/// OAuth); 503 without an Official Account, 409 `no_openid` for another kind of account.
pub(super) async fn caller_openid(state: &AppState, user_id: i64) -> ApiResult<(String, String)> {
    let appid = state.config.wechat.as_ref().and_then(|w| w.mp.as_ref()).map(|m| m.appid.clone());
    let appid = appid.ok_or_else(|| ApiError::unavailable("the Official Account is not configured"))?;
    let mut conn = state.db.acquire().await?;
    let openid = identities::openid_of(&mut conn, user_id, &appid).await?;
    let openid = openid.ok_or_else(|| ApiError::conflict("no_openid", "open the bind page from the Official Account (web OAuth sign-in) first"))?;
    Ok((appid, openid))
}

#[utoipa::path(get, path = "/school/binding", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "`{bound: false}`, or the student the caller's openid is bound to", body = StudentBindingView),
        (status = 409, description = "`no_openid`: not signed in through the Official Account", body = ErrorEnvelope)))]
/// The caller's binding (the bind page reads it first).
pub async fn show(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<StudentBindingView>> {
    let (_, openid) = caller_openid(&state, auth.user.id).await?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(bindings::of_openid(&mut conn, &openid).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"studentNo": "2024010101"}))]
pub struct SmsCodeBody {
    student_no: String,
}

#[utoipa::path(post, path = "/school/binding/sms-code", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])), request_body = SmsCodeBody,
    responses((status = 202, description = "A code is on its way to the phone on file (masked here)", body = CodeSent),
        (status = 404, description = "No student with that number", body = ErrorEnvelope),
        (status = 409, description = "`no_phone_on_file`: ask the counselor for a code instead", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`", body = ErrorEnvelope)))]
/// Sends a binding code by SMS to the student's phone on file.
pub async fn send_sms_code(State(state): State<AppState>, auth: AuthUser, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<SmsCodeBody>) -> ApiResult<(StatusCode, Json<CodeSent>)> {
    let mut errors = FieldErrors::new();
    errors.text("studentNo", &b.student_no, 32);
    errors.finish()?;
    caller_openid(&state, auth.user.id).await?;
    let mut conn = state.db.acquire().await?;
    let (id, _) = students::by_number(&mut conn, b.student_no.trim()).await?.ok_or_else(|| ApiError::not_found("student"))?;
    let student = students::find(&mut conn, yizhan_common::notices::Scope::All, id).await?.ok_or_else(|| ApiError::not_found("student"))?;
    drop(conn);
    let phone = student.phone.ok_or_else(|| ApiError::conflict("no_phone_on_file", "no phone on file for this student: ask your counselor for a code"))?;
    Ok((StatusCode::ACCEPTED, Json(send_phone_code(&state, auth.user.id, &phone, ip).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"studentNo": "2024010101", "code": "381205", "method": "counselor"}))]
pub struct StudentBindBody {
    student_no: String,
    code: String,
    /// `counselor` (the default): the counselor's one-time code; `sms`: the code sent to the phone on file.
    method: Option<String>,
}

#[utoipa::path(post, path = "/school/binding", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])), request_body = StudentBindBody,
    responses((status = 200, description = "Bound (or already bound to this student): the binding as committed", body = StudentBindingView),
        (status = 400, description = "`invalid_code` (tries left in the message) or `code_expired`", body = ErrorEnvelope),
        (status = 409, description = "`no_openid`: not signed in through the Official Account", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: too many attempts from this account", body = ErrorEnvelope)))]
/// Binds the caller's openid to a student proven by a code.
pub async fn bind(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<StudentBindBody>) -> ApiResult<Json<StudentBindingView>> {
    let mut errors = FieldErrors::new();
    errors.text("studentNo", &b.student_no, 32);
    let code_ok = b.code.trim().len() == 6 && b.code.trim().bytes().all(|c| c.is_ascii_digit());
    errors.check(!code_ok, "code", "must be the 6-digit code");
    let by_sms = match b.method.as_deref().unwrap_or("counselor") {
        "counselor" => false,
        "sms" => true,
        _ => {
            errors.add("method", "must be `counselor` or `sms`");
            false
        }
    };
    errors.finish()?;
    let (appid, openid) = caller_openid(&state, auth.user.id).await?;
    let mut conn = state.db.acquire().await?;
    let student = students::by_number(&mut conn, b.student_no.trim()).await?;
    // Binding again to the same student is the same answer, without spending anything.
    if let Some(current) = bindings::of_openid(&mut conn, &openid).await? {
        if Some(current.student_id) == student.map(|(id, _)| id) {
            return Ok(Json(Some(current).into()));
        }
    }
    drop(conn);
    let key = state.redis_key(&format!("{{noticebind:{}}}", auth.user.id));
    limits::hit(&state, &[(key, state.config.notices.bind_attempts_per_hour, 3600)]).await?;
    let wrong = || ApiError::bad_request("invalid_code", "the student number or the code is wrong");
    let Some((student_id, _)) = student else { return Err(wrong()) };
    let mut tx = state.db.begin().await?;
    let checked = if by_sms {
        let phone = sqlx::query_scalar!("SELECT phone FROM students WHERE id = $1", student_id).fetch_one(&mut *tx).await?;
        let Some(phone) = phone else { return Err(wrong()) };
        codes::check(&mut tx, auth.user.id, &phone, &b.code, state.config.visitors.code_max_attempts).await?
    } else {
        bind_codes::check(&mut tx, Holder::Student(student_id), &b.code, state.config.notices.bind_code_max_attempts).await?
    };
    let code_id = match checked {
        CodeCheck::Valid { code_id } => code_id,
        CodeCheck::Wrong { left } => {
            tx.commit().await?;
            return Err(ApiError::bad_request("invalid_code", format!("the student number or the code is wrong; {left} tries left")));
        }
        CodeCheck::Missing => return Err(code_expired()),
    };
    let spent = if by_sms { codes::spend(&mut tx, code_id).await? } else { bind_codes::spend(&mut tx, code_id).await? };
    if !spent {
        return Err(code_expired());
    }
    bindings::bind(&mut tx, student_id, &appid, &openid, auth.user.id).await?;
    if !auth.user.has_role(Role::Student) {
        let mut roles = auth.user.roles.0.clone();
        roles.push(Role::Student);
        users::update(&mut tx, auth.user.id, &UserPatch { roles: Some(roles), ..UserPatch::default() }).await?;
    }
    let bound = bindings::of_openid(&mut tx, &openid).await?;
    // The student's class and group tags take the openid (mass sends by tag).
    let mut jobs = Enqueued::default();
    jobs.add(tags::request_sync(&mut tx).await?);
    jobs.commit(tx, &state).await?;
    // The caller may now hold the `student` role: this process's cached token → user must not
    // answer their next request with the roles it had (other processes see it within a second).
    state.tokens.forget_all();
    tracing::info!(user.id = auth.user.id, student.id = student_id, wechat.openid = %mask::openid(&openid), via = if by_sms { "sms" } else { "counselor" }, "student bound");
    Ok(Json(bound.into()))
}
