//! `GET|POST /school/counselors`, `PATCH /school/counselors/{id}` (admins): counselors' cards and
//! the account each signs in with (a user holding the `counselor` role).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::notices::counselors::{self, Counselor, CounselorFields};
use yizhan_common::sms::normalize_mainland_mobile;
use yizhan_common::time::serialize_local;
use yizhan_common::users::{self, Role};

use super::given;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CounselorView {
    id: i64,
    /// The account they sign in with, if any.
    user_id: Option<i64>,
    /// The WeChat account they bound with an admin's code (`POST /school/counselor-binding`), if any.
    wechat_user_id: Option<i64>,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    office: String,
    /// The classes they look after.
    class_ids: Vec<i64>,
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
}

impl From<Counselor> for CounselorView {
    fn from(c: Counselor) -> Self {
        Self { id: c.id, user_id: c.user_id, wechat_user_id: c.wechat_user_id, name: c.name, phone: c.phone, email: c.email, office: c.office, class_ids: c.class_ids, created_at: c.created_at }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "王老师", "phone": "13800000001", "office": "学工楼 201", "userId": 12}))]
pub struct CounselorBody {
    name: String,
    phone: Option<String>,
    email: Option<String>,
    office: Option<String>,
    /// A user with the `counselor` role, who then signs in as this counselor.
    user_id: Option<i64>,
}

async fn check(state: &AppState, b: CounselorBody) -> ApiResult<CounselorFields> {
    let mut errors = FieldErrors::new();
    errors.text("name", &b.name, 50);
    let phone = b.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
    errors.check(phone.is_some_and(|p| normalize_mainland_mobile(p).is_none()), "phone", "must be a mainland China mobile number");
    errors.optional_email("email", b.email.as_deref());
    errors.optional_text("office", b.office.as_deref(), 100);
    if let Some(user_id) = b.user_id {
        let mut conn = state.db.acquire().await?;
        let user = users::find_by_id(&mut conn, user_id).await?;
        errors.check(!user.is_some_and(|u| u.has_role(Role::Counselor)), "userId", "must be a user with the counselor role");
    }
    errors.finish()?;
    Ok(CounselorFields {
        user_id: b.user_id,
        name: b.name.trim().to_owned(),
        phone: phone.and_then(normalize_mainland_mobile),
        email: b.email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()),
        office: b.office.unwrap_or_default().trim().to_owned(),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CounselorQuery {
    /// A part of the name, phone or office.
    q: Option<String>,
}

#[utoipa::path(get, path = "/school/counselors", tag = TAG_NOTICES, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(CounselorQuery, PageQuery),
    responses((status = 200, description = "One page of counselors by name", body = Page<CounselorView>)))]
/// Counselors, searched and paginated.
pub async fn list(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiQuery(q): ApiQuery<CounselorQuery>, page: Pagination) -> ApiResult<Json<Page<CounselorView>>> {
    let mut conn = state.db.acquire().await?;
    let (rows, count) = counselors::list(&mut conn, given(q.q.as_deref()), page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(CounselorView::from).collect(), count, page)))
}

#[utoipa::path(post, path = "/school/counselors", tag = TAG_NOTICES, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = CounselorBody,
    responses((status = 201, description = "The counselor", body = CounselorView), (status = 409, description = "`user_taken`", body = ErrorEnvelope)))]
/// Adds a counselor.
pub async fn create(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<CounselorBody>) -> ApiResult<(StatusCode, Json<CounselorView>)> {
    let fields = check(&state, b).await?;
    let mut conn = state.db.acquire().await?;
    let id = counselors::create(&mut conn, &fields).await?;
    let counselor = counselors::find(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("counselor"))?;
    Ok((StatusCode::CREATED, Json(counselor.into())))
}

#[utoipa::path(patch, path = "/school/counselors/{id}", tag = TAG_NOTICES, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The counselor's id")), request_body = CounselorBody,
    responses((status = 200, description = "The counselor after the change", body = CounselorView), (status = 404, description = "No such counselor", body = ErrorEnvelope)))]
/// Replaces a counselor's card.
pub async fn update(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<CounselorBody>) -> ApiResult<Json<CounselorView>> {
    let fields = check(&state, b).await?;
    let mut conn = state.db.acquire().await?;
    if !counselors::update(&mut conn, id, &fields).await? {
        return Err(ApiError::not_found("counselor"));
    }
    Ok(Json(counselors::find(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("counselor"))?.into()))
}
