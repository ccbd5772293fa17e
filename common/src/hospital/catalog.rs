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

pub async fn create_schedule(conn: &mut PgConnection, s: &NewSchedule) -> HospitalResult<i64> {
    let owner = sqlx::query_scalar!("SELECT hospital_id FROM departments WHERE id = $1", s.department_id)
        .fetch_optional(&mut *conn)
        .await?;
    match owner {
        None => return Err(HospitalError::invalid("departmentId", "no such department")),
        Some(h) if h != Some(s.hospital_id) => {
            return Err(HospitalError::invalid("departmentId", "the department does not belong to that hospital"))
        }
        Some(_) => {}
    }
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
