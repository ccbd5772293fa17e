//! 活动 (seed 002 三.1): `GET /activities/?my=yes|no&search=` lists activities, the latest start
//! first, 20 per page (`my=yes`: those I am enrolled in; `search`: in the title);
//! `GET /activities/{id}` (and `/activities/{id}/`) shows one with its enrollment form and my
//! live enrollment (`my_enrollment`, `null` when none). `/activities/clockins/…` is another
//! route: its static segment wins over `{id}`, and an id that is not a number is a 404.

use axum::extract::{OriginalUri, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::college::activities::activity::{self, Activity, ActivityFilter};
use yizhan_common::college::activities::enrollments;
use yizhan_common::college::activities::form::FormField;
use yizhan_common::time::serialize_local;

use super::enrollments::EnrollmentView;
use super::page::DrfPage;
use super::{find_visible, students_only, ActivityMembers};
use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery, Authorized, Pagination};
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope, FormFieldDoc};
use crate::openapi::TAG_COLLEGE;
use crate::state::AppState;

/// An activity as a list shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivitySummary {
    capacity: Option<i32>,
    cover_file_id: Option<String>,
    /// Where the cover is served (`GET /api/files/{id}`), `null` without one.
    /// Where the cover image is served (`/api/files/{id}`), when there is one.
    cover_url: Option<String>,
    description: String,
    #[serde(serialize_with = "serialize_local")]
    ends_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_local")]
    enroll_from: DateTime<Utc>,
    #[serde(serialize_with = "serialize_local")]
    enroll_until: DateTime<Utc>,
    enrolled: i32,
    /// Whether enrolling (and cancelling) is open now.
    enrollment_open: bool,
    id: i64,
    place: String,
    #[serde(serialize_with = "serialize_local")]
    starts_at: DateTime<Utc>,
    title: String,
}

impl ActivitySummary {
    pub fn new(a: &Activity, now: DateTime<Utc>) -> Self {
        Self {
            capacity: a.capacity,
            cover_url: a.cover_file_id.as_ref().map(|id| format!("/api/files/{id}")),
            cover_file_id: a.cover_file_id.clone(),
            description: a.description.clone(),
            ends_at: a.ends_at,
            enroll_from: a.enroll_from,
            enroll_until: a.enroll_until,
            enrolled: a.enrolled,
            enrollment_open: a.enrollment_open(now),
            id: a.id,
            place: a.place.clone(),
            starts_at: a.starts_at,
            title: a.title.clone(),
        }
    }
}

/// One activity with its form and my live enrollment.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDetail {
    #[serde(flatten)]
    summary: ActivitySummary,
    #[schema(value_type = Vec<FormFieldDoc>)]
    form: Vec<FormField>,
    /// The caller's live enrollment, if any.
    my_enrollment: Option<EnrollmentView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `yes`: only those I enrolled in (default `no`).
    my: Option<String>,
    /// Part of the title.
    search: Option<String>,
}

/// `GET /activities/?my=yes|no&search=`.
#[utoipa::path(get, path = "/activities/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])), params(ListQuery, DrfPageQuery),
    responses((status = 200, description = "One page of activities, the latest start first", body = DrfPage<ActivitySummary>)))]
/// `GET /activities/?my=yes|no&search=`.
pub async fn list(
    State(state): State<AppState>,
    who: Authorized<ActivityMembers>,
    ApiQuery(q): ApiQuery<ListQuery>,
    page: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DrfPage<ActivitySummary>>> {
    let my = super::yes_no(q.my.as_deref(), "my")?;
    let filter = ActivityFilter { enrolled_by: my.then_some(who.user().id), search: q.search.as_deref(), students_only: students_only(who.user()) };
    let mut conn = state.db.acquire().await?;
    let (rows, total) = activity::list(&mut conn, filter, page.limit(), page.offset()).await?;
    let now = state.now();
    Ok(Json(DrfPage::new(rows.iter().map(|a| ActivitySummary::new(a, now)).collect(), total, page, &uri)))
}

/// `GET /activities/{id}` and `/activities/{id}/`.
#[utoipa::path(get, path = "/activities/{id}/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])),
    params(("id" = i64, Path, description = "The activity's id")),
    responses((status = 200, description = "The activity with its form and my enrollment", body = ActivityDetail),
        (status = 404, description = "No such activity", body = ErrorEnvelope)))]
/// `GET /activities/{id}` (also with the trailing slash).
pub async fn show(State(state): State<AppState>, who: Authorized<ActivityMembers>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<ActivityDetail>> {
    let mut conn = state.db.acquire().await?;
    let a = find_visible(&mut conn, who.user(), id).await?;
    let mine = enrollments::live(&mut conn, id, who.user().id).await?;
    Ok(Json(ActivityDetail { summary: ActivitySummary::new(&a, state.now()), form: a.form.0, my_enrollment: mine.map(EnrollmentView::from) }))
}
