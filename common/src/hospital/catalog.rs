//! Hospitals, departments and schedules (号源), managed by admins and browsed by patients.

use chrono::{NaiveDate, NaiveTime};
use sqlx::PgConnection;

use super::error::{HospitalError, HospitalResult};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Hospital {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Department {
    pub id: i64,
    pub hospital_id: Option<i64>,
    pub name: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Schedule {
    pub id: i64,
    pub hospital_id: i64,
    pub department_id: i64,
    pub date: NaiveDate,
    pub period: String,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub capacity: i32,
    pub booked: i32,
    pub fee_cents: i64,
}

impl Schedule {
    pub fn time_label(&self) -> String {
        super::time_label(&self.period, self.start_time, self.end_time)
    }

    /// Whether the session is over at `now` (the service zone's wall clock): its date has passed,
    /// or it is today and its end time has come.
    pub fn ended(&self, now: chrono::NaiveDateTime) -> bool {
        (self.date, self.end_time) <= (now.date(), now.time())
    }

    pub fn remaining(&self) -> i32 {
        self.capacity - self.booked
    }
}

pub async fn create_hospital(conn: &mut PgConnection, name: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!("INSERT INTO hospitals (name) VALUES ($1) RETURNING id", name).fetch_one(conn).await
}

/// A page of hospitals by id, those whose name contains `search` when given, and how many match.
pub async fn list_hospitals(conn: &mut PgConnection, search: Option<&str>, limit: i64, offset: i64) -> sqlx::Result<(Vec<Hospital>, i64)> {
    let rows = sqlx::query_as!(
        Hospital,
        "SELECT id, name FROM hospitals WHERE ($1::TEXT IS NULL OR strpos(name, $1) > 0) ORDER BY id LIMIT $2 OFFSET $3",
        search,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM hospitals WHERE ($1::TEXT IS NULL OR strpos(name, $1) > 0)"#, search)
        .fetch_one(conn)
        .await?;
    Ok((rows, total))
}

/// Renames a hospital; `None` when there is no such hospital.
pub async fn rename_hospital(conn: &mut PgConnection, id: i64, name: &str) -> sqlx::Result<Option<Hospital>> {
    sqlx::query_as!(Hospital, "UPDATE hospitals SET name = $2 WHERE id = $1 RETURNING id, name", id, name).fetch_optional(conn).await
}

pub async fn hospital(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Hospital>> {
    sqlx::query_as!(Hospital, "SELECT id, name FROM hospitals WHERE id = $1", id).fetch_optional(conn).await
}

pub async fn create_department(conn: &mut PgConnection, hospital_id: Option<i64>, name: &str) -> HospitalResult<i64> {
    if let Some(h) = hospital_id {
        let exists = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM hospitals WHERE id = $1) AS "exists!""#, h)
            .fetch_one(&mut *conn)
            .await?;
        if !exists {
            return Err(HospitalError::invalid("hospitalId", "no such hospital"));
        }
    }
    Ok(sqlx::query_scalar!("INSERT INTO departments (hospital_id, name) VALUES ($1, $2) RETURNING id", hospital_id, name)
        .fetch_one(conn)
        .await?)
}

/// A page of departments by id (of `hospital_id`, named with `search`, when given) and how many match.
pub async fn list_departments(
    conn: &mut PgConnection,
    hospital_id: Option<i64>,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Department>, i64)> {
    let rows = sqlx::query_as!(
        Department,
        "SELECT id, hospital_id, name FROM departments
          WHERE ($1::BIGINT IS NULL OR hospital_id = $1) AND ($2::TEXT IS NULL OR strpos(name, $2) > 0)
         ORDER BY id LIMIT $3 OFFSET $4",
        hospital_id,
        search,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM departments
          WHERE ($1::BIGINT IS NULL OR hospital_id = $1) AND ($2::TEXT IS NULL OR strpos(name, $2) > 0)"#,
        hospital_id,
        search
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// A department with its follow welcome settings.
#[derive(Debug, Clone)]
pub struct DepartmentDetail {
    pub id: i64,
    pub hospital_id: Option<i64>,
    pub name: String,
    pub welcome_text: Option<String>,
    pub page_url: Option<String>,
}

pub async fn department(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<DepartmentDetail>> {
    sqlx::query_as!(DepartmentDetail, "SELECT id, hospital_id, name, welcome_text, page_url FROM departments WHERE id = $1", id)
        .fetch_optional(conn)
        .await
}

/// A schedule to create.
#[derive(Debug, Clone)]
pub struct NewSchedule {
    pub hospital_id: i64,
    pub department_id: i64,
    pub date: NaiveDate,
    pub period: String,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub capacity: i32,
    pub fee_cents: i64,
}

/// 422 `departmentId` unless the department exists and belongs to the hospital.
async fn check_department(conn: &mut PgConnection, hospital_id: i64, department_id: i64) -> HospitalResult<()> {
    let owner = sqlx::query_scalar!("SELECT hospital_id FROM departments WHERE id = $1", department_id)
        .fetch_optional(&mut *conn)
        .await?;
    match owner {
        None => Err(HospitalError::invalid("departmentId", "no such department")),
        Some(h) if h != Some(hospital_id) => Err(HospitalError::invalid("departmentId", "the department does not belong to that hospital")),
        Some(_) => Ok(()),
    }
}

pub async fn create_schedule(conn: &mut PgConnection, s: &NewSchedule) -> HospitalResult<i64> {
    check_department(conn, s.hospital_id, s.department_id).await?;
    Ok(sqlx::query_scalar!(
        "INSERT INTO schedules (hospital_id, department_id, date, period, start_time, end_time, capacity, fee_cents)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        s.hospital_id,
        s.department_id,
        s.date,
        s.period,
        s.start_time,
        s.end_time,
        s.capacity,
        s.fee_cents
    )
    .fetch_one(conn)
    .await?)
}

/// Which schedules to list.
#[derive(Debug, Clone, Default)]
pub struct ScheduleFilter {
    pub hospital_id: Option<i64>,
    pub department_id: Option<i64>,
    pub date: Option<NaiveDate>,
    pub from_date: Option<NaiveDate>,
}

pub async fn list_schedules(
    conn: &mut PgConnection,
    f: &ScheduleFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Schedule>, i64)> {
    // The page and the count share their WHERE (sqlx's macros take literals only).
    let rows = sqlx::query_as!(
        Schedule,
        "SELECT id, hospital_id, department_id, date, period, start_time, end_time, capacity, booked, fee_cents
           FROM schedules
          WHERE ($1::BIGINT IS NULL OR hospital_id = $1) AND ($2::BIGINT IS NULL OR department_id = $2)
            AND ($3::DATE IS NULL OR date = $3) AND ($4::DATE IS NULL OR date >= $4)
          ORDER BY date, start_time, id LIMIT $5 OFFSET $6",
        f.hospital_id,
        f.department_id,
        f.date,
        f.from_date,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM schedules
          WHERE ($1::BIGINT IS NULL OR hospital_id = $1) AND ($2::BIGINT IS NULL OR department_id = $2)
            AND ($3::DATE IS NULL OR date = $3) AND ($4::DATE IS NULL OR date >= $4)"#,
        f.hospital_id,
        f.department_id,
        f.date,
        f.from_date
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

pub async fn schedule(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Schedule>> {
    sqlx::query_as!(
        Schedule,
        "SELECT id, hospital_id, department_id, date, period, start_time, end_time, capacity, booked, fee_cents
           FROM schedules WHERE id = $1",
        id
    )
    .fetch_optional(conn)
    .await
}

/// Locks a schedule's row until the transaction ends (bookings, waitlist joins, promotions and
/// admin changes of one schedule take turns on it) and reads it as locked.
pub async fn lock_schedule(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Schedule>> {
    sqlx::query_as!(
        Schedule,
        "SELECT id, hospital_id, department_id, date, period, start_time, end_time, capacity, booked, fee_cents
           FROM schedules WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(conn)
    .await
}

/// A change to a schedule: `Some` fields change, the others stay.
#[derive(Debug, Clone, Default)]
pub struct SchedulePatch {
    pub hospital_id: Option<i64>,
    pub department_id: Option<i64>,
    pub date: Option<NaiveDate>,
    pub period: Option<String>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub capacity: Option<i32>,
    pub fee_cents: Option<i64>,
}

/// A schedule before and after a change.
#[derive(Debug, Clone)]
pub struct ScheduleChange {
    pub before: Schedule,
    pub after: Schedule,
}

impl ScheduleChange {
    /// The JSON names of the fields whose value changed.
    pub fn changed(&self) -> Vec<&'static str> {
        let (b, a) = (&self.before, &self.after);
        let mut fields = terms_changed(b, a);
        if a.capacity != b.capacity {
            fields.push("capacity");
        }
        fields
    }
}

/// The JSON names of what patients were told that differs between `a` and `b`: hospital,
/// department, date, period, times and fee.
fn terms_changed(a: &Schedule, b: &Schedule) -> Vec<&'static str> {
    [
        ("hospitalId", a.hospital_id != b.hospital_id),
        ("departmentId", a.department_id != b.department_id),
        ("date", a.date != b.date),
        ("period", a.period != b.period),
        ("startTime", a.start_time != b.start_time),
        ("endTime", a.end_time != b.end_time),
        ("fee", a.fee_cents != b.fee_cents),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect()
}

/// Whether the schedule has an appointment that is not cancelled or a waiting waitlist entry.
async fn in_use(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM appointments WHERE schedule_id = $1 AND status <> 'cancelled')
               OR EXISTS (SELECT 1 FROM waitlist_entries WHERE schedule_id = $1 AND status = 'waiting') AS "in_use!""#,
        id
    )
    .fetch_one(conn)
    .await
}

/// Changes a schedule, decided on its locked row (so a booking made meanwhile is either seen
/// here or made after the change, against the new values):
/// - `endTime` must stay after `startTime` and the department must belong to the hospital, as
///   they end up (422);
/// - once the schedule has live appointments or waiting entries, the hospital, department, date,
///   period, times and fee may not change (`ScheduleInUse`, naming the fields): appointments,
///   reminders and payments were made on them;
/// - capacity never below the places booked (`CapacityBelowBooked`).
///
/// Fields sent with their current value are no change.
pub async fn update_schedule(conn: &mut PgConnection, id: i64, p: &SchedulePatch) -> HospitalResult<ScheduleChange> {
    let before = lock_schedule(conn, id).await?.ok_or(HospitalError::NotFound("schedule"))?;
    let next = Schedule {
        hospital_id: p.hospital_id.unwrap_or(before.hospital_id),
        department_id: p.department_id.unwrap_or(before.department_id),
        date: p.date.unwrap_or(before.date),
        period: p.period.clone().unwrap_or_else(|| before.period.clone()),
        start_time: p.start_time.unwrap_or(before.start_time),
        end_time: p.end_time.unwrap_or(before.end_time),
        capacity: p.capacity.unwrap_or(before.capacity),
        fee_cents: p.fee_cents.unwrap_or(before.fee_cents),
        ..before.clone()
    };
    if next.start_time >= next.end_time {
        return Err(HospitalError::invalid("endTime", "must be after startTime"));
    }
    let terms = terms_changed(&before, &next);
    if terms.iter().any(|f| matches!(*f, "hospitalId" | "departmentId")) {
        check_department(conn, next.hospital_id, next.department_id).await?;
    }
    if !terms.is_empty() && in_use(conn, id).await? {
        return Err(HospitalError::ScheduleInUse { fields: terms });
    }
    if next.capacity < before.booked {
        return Err(HospitalError::CapacityBelowBooked { booked: before.booked });
    }
    let after = sqlx::query_as!(
        Schedule,
        "UPDATE schedules SET hospital_id = $2, department_id = $3, date = $4, period = $5, start_time = $6, end_time = $7,
                capacity = $8, fee_cents = $9
          WHERE id = $1
          RETURNING id, hospital_id, department_id, date, period, start_time, end_time, capacity, booked, fee_cents",
        id,
        next.hospital_id,
        next.department_id,
        next.date,
        next.period,
        next.start_time,
        next.end_time,
        next.capacity,
        next.fee_cents
    )
    .fetch_one(conn)
    .await?;
    Ok(ScheduleChange { before, after })
}
