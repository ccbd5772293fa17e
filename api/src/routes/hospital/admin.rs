//! Admin catalogue: hospitals, departments and schedules (JSON in, `{"id":…}` out).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use yizhan_common::hospital::catalog;

use super::schedules;
use super::views::{DepartmentView, HospitalView, ScheduleView};
use crate::routes::views;
use crate::catalog_admin::{self, HospitalPatch, NewScheduleBody, SchedulePatchBody};
use crate::error::ApiResult;
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Page, Pagination};
use crate::state::AppState;
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_HOSPITAL;

type Created = (StatusCode, Json<views::Created>);

fn created(id: i64) -> Created {
    (StatusCode::CREATED, Json(views::Created { id }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHospital {
    name: String,
}

#[utoipa::path(post, path = "/admin/hospitals", tag = TAG_HOSPITAL, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = NewHospital,
    responses((status = 201, description = "Created", body = views::Created, example = json!({"id": 1})),
        (status = 409, description = "`hospital_taken`", body = ErrorEnvelope)))]
/// Adds a hospital.
pub async fn create_hospital(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewHospital>) -> ApiResult<Created> {
    Ok(created(catalog_admin::create_hospital(&state, &b.name).await?))
}

#[utoipa::path(get, path = "/admin/hospitals", tag = TAG_HOSPITAL, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(PageQuery),
    responses((status = 200, description = "One page of hospitals", body = Page<HospitalView>)))]
/// The hospitals.
pub async fn list_hospitals(State(state): State<AppState>, _: Authorized<AdminOnly>, page: Pagination) -> ApiResult<Json<Page<HospitalView>>> {
    let mut conn = state.db.acquire().await?;
    let (rows, total) = catalog::list_hospitals(&mut conn, None, page.limit(), page.offset()).await?;
    let rows = rows.into_iter().map(|h| HospitalView { id: h.id, name: h.name }).collect();
    Ok(Json(Page::new(rows, total, page)))
}

#[utoipa::path(patch, path = "/admin/hospitals/{id}", tag = TAG_HOSPITAL, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The hospital's id")), request_body = HospitalPatch,
    responses((status = 200, description = "The hospital as changed", body = HospitalView, example = json!({"id": 1, "name": "北京交通大学校医院"})),
        (status = 404, description = "No such hospital", body = ErrorEnvelope),
        (status = 409, description = "`hospital_taken`", body = ErrorEnvelope)))]
/// Renames a hospital (only the fields sent change).
pub async fn update_hospital(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<HospitalPatch>,
) -> ApiResult<Json<HospitalView>> {
    let h = catalog_admin::update_hospital(&state, id, b).await?;
    Ok(Json(HospitalView { id: h.id, name: h.name }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewDepartment {
    hospital_id: Option<i64>,
    name: String,
}

#[utoipa::path(post, path = "/admin/departments", tag = TAG_HOSPITAL, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = NewDepartment,
    responses((status = 201, description = "Created", body = views::Created),
        (status = 409, description = "`department_taken`", body = ErrorEnvelope)))]
/// Adds a department (of a hospital, or of the Official Account's flow without one).
pub async fn create_department(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewDepartment>) -> ApiResult<Created> {
    Ok(created(catalog_admin::create_department(&state, b.hospital_id, &b.name).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentFilter {
    hospital_id: Option<i64>,
}

#[utoipa::path(get, path = "/admin/departments", tag = TAG_HOSPITAL, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(DepartmentFilter, PageQuery),
    responses((status = 200, description = "One page of departments", body = Page<DepartmentView>)))]
/// The departments, of one hospital with `?hospitalId=`.
pub async fn list_departments(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    page: Pagination,
    ApiQuery(f): ApiQuery<DepartmentFilter>,
) -> ApiResult<Json<Page<DepartmentView>>> {
    let mut conn = state.db.acquire().await?;
    let (rows, total) = catalog::list_departments(&mut conn, f.hospital_id, None, page.limit(), page.offset()).await?;
    let rows = rows.into_iter().map(|d| DepartmentView { hospital_id: d.hospital_id, id: d.id, name: d.name }).collect();
    Ok(Json(Page::new(rows, total, page)))
}

#[utoipa::path(post, path = "/admin/schedules", tag = TAG_HOSPITAL, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = NewScheduleBody,
    responses((status = 201, description = "Created", body = views::Created),
        (status = 409, description = "`schedule_taken`: the department has a schedule for that date and period", body = ErrorEnvelope)))]
/// Adds a schedule (号源): a department's places for one date and period.
pub async fn create_schedule(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewScheduleBody>) -> ApiResult<Created> {
    Ok(created(catalog_admin::create_schedule(&state, b).await?))
}

#[utoipa::path(get, path = "/admin/schedules", tag = TAG_HOSPITAL, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(schedules::Filter, PageQuery),
    responses((status = 200, description = "One page of schedules with their remaining places", body = Page<ScheduleView>)))]
/// Every schedule, past ones too.
pub async fn list_schedules(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    page: Pagination,
    ApiQuery(q): ApiQuery<schedules::Filter>,
) -> ApiResult<Json<Page<ScheduleView>>> {
    schedules::page_of(&state, q.since(None), page).await
}

#[utoipa::path(patch, path = "/admin/schedules/{id}", tag = TAG_HOSPITAL, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The schedule's id")), request_body = SchedulePatchBody,
    responses((status = 200, description = "The schedule as changed, with its remaining places", body = ScheduleView,
            example = json!({"id": 7, "hospitalId": 1, "departmentId": 2, "date": "2023-12-18", "period": "上午", "startTime": "08:00",
                             "endTime": "12:00", "capacity": 30, "remaining": 12, "fee": 10.0})),
        (status = 404, description = "No such schedule", body = ErrorEnvelope),
        (status = 409, description = "`capacity_below_booked` (`fields.capacity` says how many are booked); `schedule_in_use`: the schedule has live appointments or a waitlist, so its hospital, department, date, period, times and fee are fixed (`fields` names each one the change touched); `schedule_taken`", body = ErrorEnvelope,
            example = json!({"error": {"code": "capacity_below_booked", "message": "the schedule has 18 places booked; its capacity cannot go below that",
                                       "fields": {"capacity": "cannot be below the 18 places already booked"}}}))))]
/// Changes a schedule (号源): only the fields sent change, each checked as on create. Decided on
/// the schedule's locked row, so a booking made at the same time is counted. A larger capacity
/// promotes the waitlist at once.
pub async fn update_schedule(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<SchedulePatchBody>,
) -> ApiResult<Json<ScheduleView>> {
    Ok(Json(ScheduleView::from(catalog_admin::update_schedule(&state, id, b).await?)))
}
