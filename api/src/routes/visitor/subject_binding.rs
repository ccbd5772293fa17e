//! Seed 003 §1 / §1.1, staff binding: `GET /v1/subject/binding` looks the bound phone up in Koala
//! (`GetStaffs` by phone); `POST /v1/subject/binding {name, phone, code}` checks the SMS code, asks
//! Koala for that name and phone, and only then binds (404 `staff_not_found` or 502
//! `koala_unavailable` bind nothing and leave the code usable). The staff avatar is copied into
//! object storage by a job; the answer carries the stored URL once it is there.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use yizhan_common::avatar::{plan_avatar, stored_avatar_url, PlanAvatarError};
use yizhan_common::koala::Staff;
use yizhan_common::mask;
use yizhan_common::visitor::{bindings, staff};

use super::views::StaffView;
use super::wechat_binding::{check_code, spend, BindBody};
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, AuthUser};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_VISITOR;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"name": "王工", "phone": "13800000001", "code": "123456"}))]
pub struct StaffBindBody {
    /// The name Koala knows the employee by.
    name: String,
    phone: String,
    code: String,
}

#[utoipa::path(get, path = "/v1/subject/binding", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "`{bound: false}`, or the staff member Koala has for the bound phone", body = StaffView),
        (status = 404, description = "`staff_not_found`: Koala has no employee with the bound phone", body = ErrorEnvelope),
        (status = 502, description = "`koala_unavailable`", body = ErrorEnvelope)))]
/// 员工查询微信是否已绑定.
pub async fn show(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<StaffView>> {
    let phone = {
        let mut conn = state.db.acquire().await?;
        bindings::phone_of(&mut conn, auth.user.id).await?
    };
    let Some(phone) = phone else { return Ok(Json(StaffView::unbound())) };
    let koala = state.koala()?;
    let lookup = phone.clone();
    let found = koala.waiting(|k| async move { k.staffs_by_phone(&lookup).await }).await?;
    let staff = found.into_iter().next().ok_or_else(staff_not_found)?;
    let mut tx = state.db.begin().await?;
    let (view, jobs) = record_staff(&mut tx, auth.user.id, &phone, &staff).await?;
    jobs.commit(tx, &state).await?;
    Ok(Json(view))
}

#[utoipa::path(post, path = "/v1/subject/binding", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])), request_body = StaffBindBody,
    responses((status = 200, description = "Bound: the staff member", body = StaffView),
        (status = 400, description = "`invalid_code` or `code_expired`", body = ErrorEnvelope),
        (status = 404, description = "`staff_not_found`: Koala has no employee of that name and phone; nothing was bound", body = ErrorEnvelope),
        (status = 502, description = "`koala_unavailable`: nothing was bound", body = ErrorEnvelope)))]
/// 员工微信绑定.
pub async fn bind(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<StaffBindBody>) -> ApiResult<Json<StaffView>> {
    let body = BindBody { phone: b.phone, code: b.code };
    let (phone, code_id) = check_code(&state, auth.user.id, &body, Some(&b.name)).await?;
    let koala = state.koala()?;
    let (name, lookup) = (b.name.trim().to_owned(), phone.clone());
    let found = koala.waiting(|k| async move { k.staffs_by_name_phone(&name, &lookup).await }).await?;
    let staff = found.into_iter().find(|s| s.name.as_deref().map(str::trim) == Some(b.name.trim())).ok_or_else(staff_not_found)?;
    let mut tx = state.db.begin().await?;
    spend(&mut tx, code_id).await?;
    bindings::bind_phone(&mut tx, auth.user.id, &phone).await?;
    let (view, jobs) = record_staff(&mut tx, auth.user.id, &phone, &staff).await?;
    jobs.commit(tx, &state).await?;
    tracing::info!(user.id = auth.user.id, koala.subject = staff.id, phone = %mask::phone(&phone), "staff bound");
    Ok(Json(view))
}

fn staff_not_found() -> ApiError {
    ApiError::new(axum::http::StatusCode::NOT_FOUND, "staff_not_found", "Koala has no employee with this name and phone")
}

/// Saves the staff record and plans its avatar's copy; the view carries the stored URL once
/// stored, Koala's until then.
async fn record_staff(conn: &mut PgConnection, user_id: i64, phone: &str, s: &Staff) -> ApiResult<(StaffView, Enqueued)> {
    staff::save(conn, user_id, phone, s).await?;
    let mut jobs = Enqueued::default();
    let mut avatar = s.avatar.clone().filter(|a| !a.trim().is_empty());
    if let Some(source) = avatar.clone() {
        let key = staff::staff_avatar_key(s.id, &source);
        match plan_avatar(conn, &key, &source).await {
            Ok(planned) => jobs.add(planned.outbox_id),
            Err(PlanAvatarError::InvalidUrl) => tracing::warn!(koala.subject = s.id, "Koala's staff avatar is not an http(s) URL"),
            Err(PlanAvatarError::Db(e)) => return Err(e.into()),
        }
        if let Some(stored) = stored_avatar_url(conn, &key).await? {
            avatar = Some(stored);
        }
    }
    let view = StaffView {
        bound: true,
        phone: Some(phone.to_owned()),
        staff_id: Some(s.id),
        name: s.name.clone(),
        department: s.department.clone(),
        avatar,
    };
    Ok((view, jobs))
}
