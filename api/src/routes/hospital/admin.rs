//! Admin catalogue: hospitals, departments and schedules (JSON in, `{"id":…}` out).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use yizhan_common::hospital::catalog::{self, NewSchedule};
use yizhan_common::hospital::cents;

use super::schedules;
use super::views::{DepartmentView, HospitalView, ScheduleView};
use crate::routes::views;
use crate::error::{ApiResult, FieldErrors};
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
    let mut errors = FieldErrors::new();
    errors.text("name", &b.name, 100);
    errors.finish()?;
    let mut conn = state.db.acquire().await?;
    Ok(created(catalog::create_hospital(&mut conn, b.name.trim()).await?))
}

pub async fn list_hospitals(State(state): State<AppState>, _: Authorized<AdminOnly>, page: Pagination) -> ApiResult<Json<Page<HospitalView>>> {
    let mut conn = state.db.acquire().await?;
    let (rows, total) = catalog::list_hospitals(&mut conn, page.limit(), page.offset()).await?;
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
    let mut errors = FieldErrors::new();
    errors.text("name", &b.name, 100);
    errors.finish()?;
    let mut conn = state.db.acquire().await?;
    Ok(created(catalog::create_department(&mut conn, b.hospital_id, b.name.trim()).await?))
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
    let (rows, total) = catalog::list_departments(&mut conn, f.hospital_id, page.limit(), page.offset()).await?;
    let rows = rows.into_iter().map(|d| DepartmentView { hospital_id: d.hospital_id, id: d.id, name: d.name }).collect();
    Ok(Json(Page::new(rows, total, page)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewScheduleBody {
    hospital_id: i64,
    department_id: i64,
    date: String,
    period: String,
    start_time: String,
    end_time: String,
    capacity: i64,
    fee: f64,
}

pub async fn create_schedule(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewScheduleBody>) -> ApiResult<Created> {
    let mut errors = FieldErrors::new();
    let date = NaiveDate::parse_from_str(&b.date, "%Y-%m-%d").ok();
    errors.check(date.is_none(), "date", "must be a date like 2026-12-01");
    errors.text("period", &b.period, 20);
    let start = NaiveTime::parse_from_str(&b.start_time, "%H:%M").ok();
    let end = NaiveTime::parse_from_str(&b.end_time, "%H:%M").ok();
    errors.check(start.is_none(), "startTime", "must be a time like 08:00");
    errors.check(end.is_none(), "endTime", "must be a time like 12:00");
    errors.check(matches!((start, end), (Some(s), Some(e)) if s >= e), "endTime", "must be after startTime");
    errors.check(!(1..=10_000).contains(&b.capacity), "capacity", "must be from 1 to 10000");
    let fee = cents(b.fee);
    errors.check(fee.is_none(), "fee", "must be a non-negative amount with at most two decimals");
    errors.finish()?;
    let (Some(date), Some(start_time), Some(end_time), Some(fee_cents)) = (date, start, end, fee) else {
        return Err(crate::error::ApiError::internal("schedule fields passed validation but did not parse"));
    };
    let new = NewSchedule {
        hospital_id: b.hospital_id,
        department_id: b.department_id,
        date,
        period: b.period.trim().to_owned(),
        start_time,
        end_time,
        capacity: i32::try_from(b.capacity).unwrap_or(1),
        fee_cents,
    };
    let mut conn = state.db.acquire().await?;
    Ok(created(catalog::create_schedule(&mut conn, &new).await?))
}

pub async fn list_schedules(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    page: Pagination,
    ApiQuery(q): ApiQuery<schedules::Filter>,
) -> ApiResult<Json<Page<ScheduleView>>> {
    schedules::page_of(&state, q.since(None), page).await
}
