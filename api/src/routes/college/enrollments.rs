//! 报名 (seed 002 三.3): `POST /enrollments/ {activity, answers: {fieldId: value}}` enrolls me
//! (201 with the enrollment); each bad answer is named in the 422's `fields` as
//! `answers.<fieldId>`; refusals are 409 `enrollment_closed` (outside the enrollment window),
//! `already_enrolled` (I have a live enrollment) and `activity_full`. `GET /enrollments/` lists
//! mine, newest first (`cancelled=yes` adds cancelled ones); `GET|DELETE /enrollments/{id}/`
//! show or cancel one of mine (someone else's is a 404). Cancelling is open while the enrollment
//! window is (409 `enrollment_closed` after), gives the place back, and again is again 204.

use axum::extract::{OriginalUri, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use serde_json::{Map, Value};
use yizhan_common::college::activities::activity;
use yizhan_common::college::activities::enrollments::{self, CancelRefusal, Enrollment, Refusal};
use yizhan_common::time::{serialize_local, serialize_local_opt};

use super::page::DrfPage;
use super::{may_see, ActivityMembers, CancelledQuery};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope};
use crate::openapi::TAG_COLLEGE;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentView {
    activity: i64,
    /// `{fieldId: value}` as checked against the form.
    #[schema(value_type = Object)]
    answers: Value,
    #[serde(serialize_with = "serialize_local_opt")]
    cancelled_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
    id: i64,
    /// `enrolled` or `cancelled`.
    status: &'static str,
    user: i64,
}

impl From<Enrollment> for EnrollmentView {
    fn from(e: Enrollment) -> Self {
        Self {
            activity: e.activity_id,
            answers: e.answers,
            status: if e.cancelled_at.is_some() { "cancelled" } else { "enrolled" },
            cancelled_at: e.cancelled_at,
            created_at: e.created_at,
            id: e.id,
            user: e.user_id,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"activity": 3, "answers": {"name": "张三", "days": ["周六"]}}))]
pub struct EnrollBody {
    /// The activity's id.
    activity: Option<i64>,
    /// `{fieldId: value}`: text, a number, one option, a list of options, `YYYY-MM-DD`, a phone number or an e-mail address, as each field asks.
    #[schema(value_type = Option<Object>)]
    answers: Option<Map<String, Value>>,
}

pub fn closed() -> ApiError {
    ApiError::conflict("enrollment_closed", "the activity's enrollment window is not open")
}

#[utoipa::path(post, path = "/enrollments/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])), request_body = EnrollBody,
    responses((status = 201, description = "Enrolled (`Location`: the enrollment)", body = EnrollmentView,
            headers(("Location" = String, description = "The enrollment's URL: `/enrollments/{id}/`"))),
        (status = 409, description = "`already_enrolled`, `activity_full` or `enrollment_closed`", body = ErrorEnvelope,
            example = json!({"error": {"code": "activity_full", "message": "the activity has no places left"}}))))]
/// `POST /enrollments/ {activity, answers}`: a bad answer is a 422 whose `fields` key is
/// `answers.<fieldId>`.
pub async fn create(State(state): State<AppState>, who: Authorized<ActivityMembers>, ApiJson(b): ApiJson<EnrollBody>) -> ApiResult<Response> {
    let Some(activity) = b.activity else { return Err(ApiError::field("activity", "is required")) };
    let answers = b.answers.unwrap_or_default();
    let mut tx = state.db.begin().await?;
    // A student enrolls only in what they may see (an activity opened to students).
    if activity::find(&mut tx, activity).await?.is_some_and(|a| !may_see(who.user(), &a)) {
        return Err(ApiError::field("activity", "no activity has this id"));
    }
    match enrollments::enroll(&mut tx, activity, who.user().id, &answers, state.now()).await? {
        Ok(e) => {
            tx.commit().await?;
            tracing::info!(enrollment.id = e.id, activity.id = activity, "enrolled");
            let location = format!("/enrollments/{}/", e.id);
            Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(EnrollmentView::from(e))).into_response())
        }
        Err(refusal) => Err(match refusal {
            Refusal::NotFound => ApiError::field("activity", "no activity has this id"),
            Refusal::Closed => closed(),
            Refusal::AlreadyEnrolled => ApiError::conflict("already_enrolled", "you are already enrolled in this activity"),
            Refusal::Full => ApiError::conflict("activity_full", "the activity has no places left"),
            Refusal::Invalid(problems) => ApiError::validation(problems.into_iter().map(|(id, message)| (format!("answers.{id}"), message)).collect()),
        }),
    }
}

#[utoipa::path(get, path = "/enrollments/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])), params(CancelledQuery, DrfPageQuery),
    responses((status = 200, description = "One page of my enrollments, newest first", body = DrfPage<EnrollmentView>)))]
/// `GET /enrollments/?cancelled=yes`.
pub async fn mine(
    State(state): State<AppState>,
    who: Authorized<ActivityMembers>,
    ApiQuery(q): ApiQuery<CancelledQuery>,
    page: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DrfPage<EnrollmentView>>> {
    let cancelled = q.included()?;
    let mut conn = state.db.acquire().await?;
    let (rows, total) = enrollments::mine(&mut conn, who.user().id, cancelled, page.limit(), page.offset()).await?;
    Ok(Json(DrfPage::new(rows.into_iter().map(EnrollmentView::from).collect(), total, page, &uri)))
}

#[utoipa::path(get, path = "/enrollments/{id}/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])), params(("id" = i64, Path, description = "The enrollment's id")),
    responses((status = 200, description = "The enrollment", body = EnrollmentView),
        (status = 404, description = "No such enrollment of the caller's", body = ErrorEnvelope)))]
/// `GET /enrollments/{id}/`: mine only.
pub async fn show(State(state): State<AppState>, who: Authorized<ActivityMembers>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<EnrollmentView>> {
    let mut conn = state.db.acquire().await?;
    let e = enrollments::find_own(&mut conn, id, who.user().id).await?.ok_or_else(|| ApiError::not_found("enrollment"))?;
    Ok(Json(e.into()))
}

#[utoipa::path(delete, path = "/enrollments/{id}/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])), params(("id" = i64, Path, description = "The enrollment's id")),
    responses((status = 204, description = "Cancelled (also when it was already)"),
        (status = 404, description = "No such enrollment of the caller's", body = ErrorEnvelope),
        (status = 409, description = "`enrollment_closed`: the window has closed", body = ErrorEnvelope)))]
/// `DELETE /enrollments/{id}/`: 204, again 204; 409 `enrollment_closed` once the window closed.
pub async fn cancel(State(state): State<AppState>, who: Authorized<ActivityMembers>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    match enrollments::cancel(&mut tx, id, who.user().id, state.now()).await? {
        Ok(_) => {
            tx.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }
        Err(CancelRefusal::NotFound) => Err(ApiError::not_found("enrollment")),
        Err(CancelRefusal::Closed) => Err(closed()),
    }
}
