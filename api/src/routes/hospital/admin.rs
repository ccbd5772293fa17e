//! Admin catalogue: hospitals, departments and schedules (JSON in, `{"id":…}` out).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use yizhan_common::hospital::catalog;

use super::schedules;
use super::views::{DepartmentView, HospitalView, ScheduleView};
use crate::routes::views;
use crate::catalog_admin::{self, NewScheduleBody};
use crate::error::ApiResult;
use crate::extract::{AdminOnly, ApiJson, ApiQuery, Authorized, Page, Pagination};
use crate::state::AppState;

type Created = (StatusCode, Json<views::Created>);

fn created(id: i64) -> Created {
    (StatusCode::CREATED, Json(views::Created { id }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewHospital {
    name: String,
}

pub async fn create_hospital(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewHospital>) -> ApiResult<Created> {
    Ok(created(catalog_admin::create_hospital(&state, &b.name).await?))
}

pub async fn list_hospitals(State(state): State<AppState>, _: Authorized<AdminOnly>, page: Pagination) -> ApiResult<Json<Page<HospitalView>>> {
    let mut conn = state.db.acquire().await?;
    let (rows, total) = catalog::list_hospitals(&mut conn, None, page.limit(), page.offset()).await?;
    let rows = rows.into_iter().map(|h| HospitalView { id: h.id, name: h.name }).collect();
    Ok(Json(Page::new(rows, total, page)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewDepartment {
    hospital_id: Option<i64>,
    name: String,
}

pub async fn create_department(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewDepartment>) -> ApiResult<Created> {
    Ok(created(catalog_admin::create_department(&state, b.hospital_id, &b.name).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentFilter {
    hospital_id: Option<i64>,
}

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

pub async fn create_schedule(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewScheduleBody>) -> ApiResult<Created> {
    Ok(created(catalog_admin::create_schedule(&state, b).await?))
}

pub async fn list_schedules(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    page: Pagination,
    ApiQuery(q): ApiQuery<schedules::Filter>,
) -> ApiResult<Json<Page<ScheduleView>>> {
    schedules::page_of(&state, q.since(None), page).await
}
