//! `GET /admin/activities/{id}/enrollments/?filter=…` (报名记录): the activity's live
//! enrollments, newest first, 20 per page, with the user, the answers and each check-in item's
//! state; `&format=csv` streams every selected record as CSV instead (UTF-8 with BOM). A
//! malformed filter is a 422 `invalid_filter` (see `college_admin::records::filter_error`).

use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::page::DrfPage;
use crate::college_admin::records::{Records, Row};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminOnly, ApiPath, ApiQuery, Authorized, Pagination};
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope};
use crate::openapi::TAG_COLLEGE;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordsQuery {
    /// The filter language: item labels, 且 (或 但), 或, 未, 了, 的 and parentheses, e.g. `签到了但未签退`.
    filter: Option<String>,
    /// `json` (default) or `csv`: every matching row as a UTF-8 CSV with BOM.
    format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RecordUser)]
pub struct UserView {
    id: i64,
    username: String,
    name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemState {
    item_id: i64,
    label: String,
    checked_in: bool,
    #[serde(serialize_with = "yizhan_common::time::serialize_local_opt")]
    at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordView {
    id: i64,
    user: UserView,
    #[serde(serialize_with = "yizhan_common::time::serialize_local")]
    enrolled_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    answers: Value,
    clockins: Vec<ItemState>,
}

fn view(records: &Records, row: Row) -> RecordView {
    let clockins = records
        .items
        .iter()
        .zip(row.checked_in)
        .map(|(item, at)| ItemState { item_id: item.id, label: item.label.clone(), checked_in: at.is_some(), at })
        .collect();
    RecordView { id: row.enrollment_id, user: UserView { id: row.user_id, username: row.username, name: row.name }, enrolled_at: row.enrolled_at, answers: row.answers, clockins }
}

#[utoipa::path(get, path = "/admin/activities/{id}/enrollments/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(("id" = i64, Path, description = "The activity's id"), RecordsQuery, DrfPageQuery),
    responses((status = 200, description = "One page of the live enrollments that match, newest first, with each item's check-in; with `format=csv` a `text/csv` download of all of them", body = DrfPage<RecordView>),
        (status = 404, description = "No such activity", body = ErrorEnvelope),
        (status = 422, description = "`invalid_filter`: `detail` gives the position, what was expected and a code", body = ErrorEnvelope)))]
/// The JSON page, or with `format=csv` the whole CSV download.
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<RecordsQuery>,
    page: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    let csv = match q.format.as_deref().unwrap_or("") {
        "" | "json" => false,
        "csv" => true,
        _ => return Err(ApiError::field("format", "must be `json` or `csv`")),
    };
    let records = Records::load(&state, id, q.filter.as_deref()).await?;
    if csv {
        let headers = [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&format!("attachment; filename=\"activity-{id}-enrollments.csv\"")).unwrap_or(HeaderValue::from_static("attachment"))),
        ];
        return Ok((headers, records.csv_body(state.clone())).into_response());
    }
    let (rows, total) = records.page(&state, page.limit(), page.offset()).await?;
    let results = rows.into_iter().map(|r| view(&records, r)).collect();
    Ok(Json(DrfPage::new(results, total, page, &uri)).into_response())
}
