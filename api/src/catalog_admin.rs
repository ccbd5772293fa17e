//! Managing the hospital catalogue as an admin: the checks and writes behind both the JSON routes
//! (`POST /admin/hospitals`, `/admin/departments`, `/admin/schedules`, `PATCH /admin/departments/{id}`)
//! and the console's catalogue pages, so both give the same per-field errors (keyed by the JSON
//! field names) and write the same rows.

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use yizhan_common::hospital::catalog::{self, NewSchedule};
use yizhan_common::hospital::cents;

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::state::AppState;

/// Checks the name (422 `name`), then creates the hospital.
pub async fn create_hospital(state: &AppState, name: &str) -> ApiResult<i64> {
    let mut errors = FieldErrors::new();
    errors.text("name", name, 100);
    errors.finish()?;
    let mut conn = state.db.acquire().await?;
    Ok(catalog::create_hospital(&mut conn, name.trim()).await?)
}

/// Checks the name, then creates the department (422 `hospitalId` for an unknown hospital).
pub async fn create_department(state: &AppState, hospital_id: Option<i64>, name: &str) -> ApiResult<i64> {
    let mut errors = FieldErrors::new();
    errors.text("name", name, 100);
    errors.finish()?;
    let mut conn = state.db.acquire().await?;
    Ok(catalog::create_department(&mut conn, hospital_id, name.trim()).await?)
}

/// A new schedule as the JSON body (or the console's form) gives it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"hospitalId": 1, "departmentId": 2, "date": "2023-12-18", "period": "上午", "startTime": "08:00", "endTime": "12:00", "capacity": 20, "fee": 10.0}))]
pub struct NewScheduleBody {
    pub hospital_id: i64,
    pub department_id: i64,
    #[schema(format = Date)]
    pub date: String,
    /// `上午`, `下午` or `晚上`.
    pub period: String,
    /// `HH:MM`.
    pub start_time: String,
    /// `HH:MM`.
    pub end_time: String,
    pub capacity: i64,
    /// In yuan.
    pub fee: f64,
}

/// Checks every field (422 naming each bad one), then creates the schedule (422 `departmentId`
/// for an unknown department or one of another hospital).
pub async fn create_schedule(state: &AppState, b: NewScheduleBody) -> ApiResult<i64> {
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
        return Err(ApiError::internal("schedule fields passed validation but did not parse"));
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
    Ok(catalog::create_schedule(&mut conn, &new).await?)
}

/// Changes to a department's name and follow welcome; an absent field stays as it is, an empty
/// `welcomeText` or `pageUrl` clears it.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DepartmentPatch {
    pub name: Option<String>,
    pub welcome_text: Option<String>,
    pub page_url: Option<String>,
}

/// A department's welcome settings after a change.
#[derive(Debug)]
pub struct DepartmentSettings {
    pub id: i64,
    pub name: String,
    pub welcome_text: Option<String>,
    pub page_url: Option<String>,
}

/// Checks the patch (422 per field), then applies it (404 for an unknown department).
pub async fn update_department(state: &AppState, id: i64, b: DepartmentPatch) -> ApiResult<DepartmentSettings> {
    let mut errors = FieldErrors::new();
    if let Some(name) = &b.name {
        errors.text("name", name, 100);
    }
    errors.optional_text("welcomeText", b.welcome_text.as_deref(), 600);
    errors.optional_text("pageUrl", b.page_url.as_deref(), 500);
    let url_ok = b.page_url.as_deref().is_none_or(|u| u.is_empty() || u.starts_with("https://") || u.starts_with("http://"));
    errors.check(!url_ok, "pageUrl", "must be an http(s) URL");
    errors.finish()?;
    let row = sqlx::query!(
        "UPDATE departments SET name = COALESCE($2, name),
                welcome_text = CASE WHEN $3::TEXT IS NULL THEN welcome_text ELSE NULLIF($3, '') END,
                page_url = CASE WHEN $4::TEXT IS NULL THEN page_url ELSE NULLIF($4, '') END
          WHERE id = $1 RETURNING id, name, welcome_text, page_url",
        id,
        b.name.as_deref().map(str::trim),
        b.welcome_text,
        b.page_url
    )
    .fetch_optional(&state.db)
    .await?;
    let r = row.ok_or_else(|| ApiError::not_found("department"))?;
    Ok(DepartmentSettings { id: r.id, name: r.name, welcome_text: r.welcome_text, page_url: r.page_url })
}
