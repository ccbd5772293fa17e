//! `GET /patient/schedules?departmentId=5&date=2026-12-01`: schedules with their remaining places.

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use yizhan_common::hospital::catalog::{self, ScheduleFilter};
use yizhan_common::time;

use super::views::ScheduleView;
use super::PatientRole;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Authorized, Page, Pagination};
use crate::state::AppState;
use crate::openapi::schemas::PageQuery;
use crate::openapi::TAG_HOSPITAL;

/// The query of both schedule lists: `?hospitalId=&departmentId=&date=`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    hospital_id: Option<i64>,
    department_id: Option<i64>,
    date: Option<NaiveDate>,
}

impl Filter {
    /// The filter, keeping only schedules on or after `from` when given.
    pub(super) fn since(self, from: Option<NaiveDate>) -> ScheduleFilter {
        ScheduleFilter { hospital_id: self.hospital_id, department_id: self.department_id, date: self.date, from_date: from }
    }
}

/// One page of schedules with their remaining places.
pub(super) async fn page_of(state: &AppState, filter: ScheduleFilter, page: Pagination) -> ApiResult<Json<Page<ScheduleView>>> {
    let mut conn = state.db.acquire().await?;
    let (rows, total) = catalog::list_schedules(&mut conn, &filter, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(ScheduleView::from).collect(), total, page)))
}

#[utoipa::path(get, path = "/patient/schedules", tag = TAG_HOSPITAL, security(("token" = ["patient"]), ("bearer" = ["patient"])), params(Filter, PageQuery),
    responses((status = 200, description = "One page of schedules with their remaining places", body = Page<ScheduleView>)))]
/// Schedules from today on, for patients.
pub async fn available(
    State(state): State<AppState>,
    _: Authorized<PatientRole>,
    page: Pagination,
    ApiQuery(f): ApiQuery<Filter>,
) -> ApiResult<Json<Page<ScheduleView>>> {
    page_of(&state, f.since(Some(time::today())), page).await
}
