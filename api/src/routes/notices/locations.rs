//! 获取用户地理位置 (seed 004): `GET|PUT /school/location-sharing`, the student's opt-in (H5, web
//! OAuth); `GET /school/locations`, the last known positions of the students in the caller's
//! classes, for counselors only (an admin without classes of their own sees none).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::notices::locations::{self, Position, LOCATION_RETENTION};
use yizhan_common::notices::counselor_of;
use yizhan_common::users::Role;
use yizhan_common::time::{serialize_local, serialize_local_opt};

use super::reading::my_student;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, AuthUser, Authorized, Page, Pagination, RoleSet};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

/// Counselors only: a position is shown to the student's own counselor, not to admins.
#[derive(Debug)]
pub struct CounselorRole;

impl RoleSet for CounselorRole {
    const ROLES: &'static [Role] = &[Role::Counselor];
}

/// The student's choice.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"share": true, "since": "2026-12-05T09:00:00+08:00", "retentionHours": 24}))]
pub struct Sharing {
    /// Whether the last known position is kept (and shown to the class's counselor).
    share: bool,
    /// When the student opted in.
    #[serde(serialize_with = "serialize_local_opt")]
    since: Option<DateTime<Utc>>,
    /// How long a position is kept.
    retention_hours: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"share": true}))]
pub struct SharingBody {
    share: bool,
}

async fn sharing_of(state: &AppState, student: i64) -> ApiResult<Sharing> {
    let mut conn = state.db.acquire().await?;
    let since = locations::consent_of(&mut conn, student).await?;
    Ok(Sharing { share: since.is_some(), since, retention_hours: LOCATION_RETENTION.num_hours() })
}

#[utoipa::path(get, path = "/school/location-sharing", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "Whether the caller shares their position (never, until they opt in)", body = Sharing),
        (status = 409, description = "`not_bound` or `no_openid`", body = ErrorEnvelope)))]
/// The caller's location sharing.
pub async fn show_sharing(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<Sharing>> {
    let student = my_student(&state, &auth).await?;
    Ok(Json(sharing_of(&state, student).await?))
}

#[utoipa::path(put, path = "/school/location-sharing", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])), request_body = SharingBody,
    responses((status = 200, description = "The caller's sharing now; opting out deletes the stored position", body = Sharing),
        (status = 409, description = "`not_bound` or `no_openid`", body = ErrorEnvelope)))]
/// Opts in or out of sharing the position WeChat reports.
pub async fn set_sharing(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<SharingBody>) -> ApiResult<Json<Sharing>> {
    let student = my_student(&state, &auth).await?;
    let mut conn = state.db.acquire().await?;
    locations::set_consent(&mut conn, student, b.share).await?;
    drop(conn);
    Ok(Json(sharing_of(&state, student).await?))
}

/// A student's last known position.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PositionView {
    student_id: i64,
    student_no: String,
    name: String,
    class_name: String,
    latitude: f64,
    longitude: f64,
    /// Metres (the `LOCATION` event's).
    precision: Option<f64>,
    /// The place name of a location message.
    label: String,
    /// `event` or `message`.
    source: String,
    #[serde(serialize_with = "serialize_local")]
    reported_at: DateTime<Utc>,
}

impl From<Position> for PositionView {
    fn from(p: Position) -> Self {
        Self {
            student_id: p.student_id,
            student_no: p.student_no,
            name: p.name,
            class_name: p.class_name,
            latitude: p.latitude,
            longitude: p.longitude,
            precision: p.precision_m,
            label: p.label,
            source: p.source,
            reported_at: p.reported_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct LocationQuery {
    /// One student only.
    student_id: Option<i64>,
}

#[utoipa::path(get, path = "/school/locations", tag = TAG_NOTICES, security(("token" = ["counselor"]), ("bearer" = ["counselor"])),
    params(LocationQuery, PageQuery),
    responses((status = 200, description = "The positions, newer than the retention, of the students of the caller's classes who share theirs, newest first", body = Page<PositionView>)))]
/// Last known positions of the caller's students.
pub async fn list(State(state): State<AppState>, who: Authorized<CounselorRole>, ApiQuery(q): ApiQuery<LocationQuery>, page: Pagination) -> ApiResult<Json<Page<PositionView>>> {
    let mut conn = state.db.acquire().await?;
    let (rows, count) = match counselor_of(&mut conn, who.user().id).await? {
        Some(id) => locations::of_counselor(&mut conn, id, q.student_id, Utc::now(), page.limit(), page.offset()).await?,
        None => (Vec::new(), 0),
    };
    Ok(Json(Page::new(rows.into_iter().map(PositionView::from).collect(), count, page)))
}
