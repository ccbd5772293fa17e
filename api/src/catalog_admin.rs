//! Managing the hospital catalogue as an admin: the checks and writes behind both the JSON routes
//! (`POST /admin/hospitals`, `/admin/departments`, `/admin/schedules`, `PATCH /admin/hospitals/{id}`,
//! `/admin/departments/{id}`, `/admin/schedules/{id}`)
//! and the console's catalogue pages, so both give the same per-field errors (keyed by the JSON
//! field names) and write the same rows.

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use yizhan_common::hospital::catalog::{self, Hospital, NewSchedule, Schedule, SchedulePatch};
use yizhan_common::hospital::cents;

use crate::enqueued::Enqueued;
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

/// A change to a schedule (`PATCH /admin/schedules/{id}`): only the fields sent change (`null`
/// is the same as absent); each is checked as on create.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"capacity": 30}))]
pub struct SchedulePatchBody {
    pub hospital_id: Option<i64>,
    pub department_id: Option<i64>,
    #[schema(format = Date)]
    pub date: Option<String>,
    /// `上午`, `下午` or `晚上`.
    pub period: Option<String>,
    /// `HH:MM`.
    pub start_time: Option<String>,
    /// `HH:MM`.
    pub end_time: Option<String>,
    /// Never below the places already booked (409 `capacity_below_booked`).
    pub capacity: Option<i64>,
    /// In yuan.
    pub fee: Option<f64>,
}

impl From<NewScheduleBody> for SchedulePatchBody {
    fn from(b: NewScheduleBody) -> Self {
        Self {
            hospital_id: Some(b.hospital_id),
            department_id: Some(b.department_id),
            date: Some(b.date),
            period: Some(b.period),
            start_time: Some(b.start_time),
            end_time: Some(b.end_time),
            capacity: Some(b.capacity),
            fee: Some(b.fee),
        }
    }
}

/// The checks of create and change alike, on the fields given (422 naming each bad one).
fn check_schedule(b: SchedulePatchBody) -> ApiResult<SchedulePatch> {
    let mut errors = FieldErrors::new();
    let date = b.date.as_deref().map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    errors.check(matches!(date, Some(None)), "date", "must be a date like 2026-12-01");
    if let Some(period) = &b.period {
        errors.text("period", period, 20);
    }
    let start = b.start_time.as_deref().map(|t| NaiveTime::parse_from_str(t, "%H:%M").ok());
    let end = b.end_time.as_deref().map(|t| NaiveTime::parse_from_str(t, "%H:%M").ok());
    errors.check(matches!(start, Some(None)), "startTime", "must be a time like 08:00");
    errors.check(matches!(end, Some(None)), "endTime", "must be a time like 12:00");
    errors.check(matches!((start, end), (Some(Some(s)), Some(Some(e))) if s >= e), "endTime", "must be after startTime");
    errors.check(b.capacity.is_some_and(|c| !(1..=10_000).contains(&c)), "capacity", "must be from 1 to 10000");
    let fee = b.fee.map(cents);
    errors.check(matches!(fee, Some(None)), "fee", "must be a non-negative amount with at most two decimals");
    errors.finish()?;
    Ok(SchedulePatch {
        hospital_id: b.hospital_id,
        department_id: b.department_id,
        date: date.flatten(),
        period: b.period.map(|p| p.trim().to_owned()),
        start_time: start.flatten(),
        end_time: end.flatten(),
        capacity: b.capacity.and_then(|c| i32::try_from(c).ok()),
        fee_cents: fee.flatten(),
    })
}

/// Checks every field (422 naming each bad one), then creates the schedule (422 `departmentId`
/// for an unknown department or one of another hospital).
pub async fn create_schedule(state: &AppState, b: NewScheduleBody) -> ApiResult<i64> {
    let p = check_schedule(b.into())?;
    let (Some(hospital_id), Some(department_id), Some(date), Some(period), Some(start_time), Some(end_time), Some(capacity), Some(fee_cents)) =
        (p.hospital_id, p.department_id, p.date, p.period, p.start_time, p.end_time, p.capacity, p.fee_cents)
    else {
        return Err(ApiError::internal("schedule fields passed validation but did not parse"));
    };
    let new = NewSchedule { hospital_id, department_id, date, period, start_time, end_time, capacity, fee_cents };
    let mut conn = state.db.acquire().await?;
    Ok(catalog::create_schedule(&mut conn, &new).await?)
}

/// Checks the fields sent as create does, then changes the schedule in one transaction on its
/// locked row (`catalog::update_schedule`: 404, 422 `endTime`/`departmentId` as merged, 409
/// `schedule_in_use`, `capacity_below_booked`, `schedule_taken`). Places a larger capacity adds
/// go to the waitlist at once, first come first served, with their messages planned in the same
/// transaction. Answers the schedule as changed.
pub async fn update_schedule(state: &AppState, id: i64, b: SchedulePatchBody) -> ApiResult<Schedule> {
    let patch = check_schedule(b)?;
    let mut tx = state.db.begin().await?;
    let change = catalog::update_schedule(&mut tx, id, &patch).await?;
    let mut jobs = Enqueued::default();
    if change.after.capacity > change.before.capacity {
        crate::routes::hospital::promote_freed(&mut tx, state, &mut jobs, id).await?;
    }
    let schedule = catalog::schedule(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("schedule"))?;
    jobs.commit(tx, state).await?;
    tracing::info!(schedule.id = id, changed = ?change.changed(), "schedule changed");
    Ok(schedule)
}

/// A change to a hospital: its name (absent or `null`: unchanged).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "北京交通大学校医院"}))]
pub struct HospitalPatch {
    pub name: Option<String>,
}

/// Checks the name as create does, then renames the hospital (404 unknown, 409 `hospital_taken`).
pub async fn update_hospital(state: &AppState, id: i64, b: HospitalPatch) -> ApiResult<Hospital> {
    let mut errors = FieldErrors::new();
    if let Some(name) = &b.name {
        errors.text("name", name, 100);
    }
    errors.finish()?;
    let mut conn = state.db.acquire().await?;
    let hospital = match &b.name {
        Some(name) => catalog::rename_hospital(&mut conn, id, name.trim()).await?,
        None => catalog::hospital(&mut conn, id).await?,
    };
    hospital.ok_or_else(|| ApiError::not_found("hospital"))
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
