//! Activities (活动) as rows: create, change (with the form rule of `form.rs` checked against the
//! enrollments in the same transaction), find, and the list seed 002's `GET /activities/` pages
//! (newest first by start, optionally only those a user is enrolled in, searched by title).

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::PgConnection;

use super::form::{self, FormField, Problem};

#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `None`: no limit.
    pub capacity: Option<i32>,
    /// Live enrollments, kept by the statements that enroll and cancel.
    pub enrolled: i32,
    pub enroll_from: DateTime<Utc>,
    pub enroll_until: DateTime<Utc>,
    pub cover_file_id: Option<String>,
    pub form: Json<Vec<FormField>>,
    /// Seed 004: students see it too (讲座报名); otherwise it is for staff only.
    pub open_to_students: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Activity {
    /// Enrolling (and cancelling) is open in `[enroll_from, enroll_until)`.
    pub fn enrollment_open(&self, now: DateTime<Utc>) -> bool {
        self.enroll_from <= now && now < self.enroll_until
    }
}

/// A new activity (every field given), or a change: `Some` fields change; `capacity` and
/// `cover_file_id` are `Some(None)` to clear.
#[derive(Debug, Clone, Default)]
pub struct ActivityFields {
    pub title: Option<String>,
    pub description: Option<String>,
    pub place: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub capacity: Option<Option<i32>>,
    pub enroll_from: Option<DateTime<Utc>>,
    pub enroll_until: Option<DateTime<Utc>>,
    pub cover_file_id: Option<Option<String>>,
    pub form: Option<Vec<FormField>>,
    pub open_to_students: Option<bool>,
}

/// What a change refused, or the activity as changed.
#[derive(Debug)]
pub enum Changed {
    Done(Box<Activity>),
    NotFound,
    /// Checks that need the stored row: the period and the window as they would end up, capacity
    /// not below `enrolled`, and the form rule after the first enrollment.
    Refused(Vec<Problem>),
}

/// The checks that read the activity as a whole (the fields merged).
fn whole_problems(a: &Activity) -> Vec<Problem> {
    let mut problems = Vec::new();
    if a.ends_at <= a.starts_at {
        problems.push(("ends_at".into(), "must be after starts_at".into()));
    }
    if a.enroll_until <= a.enroll_from {
        problems.push(("enroll_until".into(), "must be after enroll_from".into()));
    }
    if a.capacity.is_some_and(|c| c < a.enrolled) {
        problems.push(("capacity".into(), format!("cannot be below the {} already enrolled", a.enrolled)));
    }
    problems
}

fn merge(a: &mut Activity, f: ActivityFields) {
    macro_rules! take {
        ($($field:ident),*) => { $(if let Some(v) = f.$field { a.$field = v; })* };
    }
    take!(title, description, place, starts_at, ends_at, capacity, enroll_from, enroll_until, cover_file_id, open_to_students);
    if let Some(form) = f.form {
        a.form = Json(form);
    }
}

/// Adds an activity; `Err` with the whole-activity problems (period, window).
pub async fn create(conn: &mut PgConnection, f: ActivityFields) -> sqlx::Result<Result<Activity, Vec<Problem>>> {
    let now = Utc::now();
    let mut a = Activity {
        id: 0,
        title: String::new(),
        description: String::new(),
        place: String::new(),
        starts_at: now,
        ends_at: now,
        capacity: None,
        enrolled: 0,
        enroll_from: now,
        enroll_until: now,
        cover_file_id: None,
        form: Json(Vec::new()),
        open_to_students: false,
        created_at: now,
        updated_at: now,
    };
    merge(&mut a, f);
    let problems = whole_problems(&a);
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let row = sqlx::query_as!(
        Activity,
        r#"INSERT INTO activities (title, description, place, starts_at, ends_at, capacity, enroll_from, enroll_until, cover_file_id, form, open_to_students)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           RETURNING id, title, description, place, starts_at, ends_at, capacity, enrolled, enroll_from, enroll_until,
                     cover_file_id, form AS "form: Json<Vec<FormField>>", open_to_students, created_at, updated_at"#,
        a.title,
        a.description,
        a.place,
        a.starts_at,
        a.ends_at,
        a.capacity,
        a.enroll_from,
        a.enroll_until,
        a.cover_file_id,
        form_value(&a.form),
        a.open_to_students,
    )
    .fetch_one(conn)
    .await?;
    Ok(Ok(row))
}

/// Changes the fields given, the row locked: the merged activity must hold together, and once
/// anyone has enrolled (a cancelled enrollment counts: its answers are kept) the form may change
/// only as [`form::check_change`] allows. Run it in a transaction.
pub async fn update(conn: &mut PgConnection, id: i64, f: ActivityFields) -> sqlx::Result<Changed> {
    let locked = sqlx::query_as!(
        Activity,
        r#"SELECT id, title, description, place, starts_at, ends_at, capacity, enrolled, enroll_from, enroll_until,
                  cover_file_id, form AS "form: Json<Vec<FormField>>", open_to_students, created_at, updated_at
             FROM activities WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(mut a) = locked else {
        return Ok(Changed::NotFound);
    };
    let old_form = a.form.0.clone();
    let form_changes = f.form.as_ref().is_some_and(|new| *new != old_form);
    merge(&mut a, f);
    let mut problems = whole_problems(&a);
    if form_changes && has_enrollments(&mut *conn, id).await? {
        problems.extend(form::check_change(&old_form, &a.form));
    }
    if !problems.is_empty() {
        return Ok(Changed::Refused(problems));
    }
    let row = sqlx::query_as!(
        Activity,
        r#"UPDATE activities SET title = $2, description = $3, place = $4, starts_at = $5, ends_at = $6, capacity = $7,
                  enroll_from = $8, enroll_until = $9, cover_file_id = $10, form = $11, open_to_students = $12, updated_at = now()
            WHERE id = $1
        RETURNING id, title, description, place, starts_at, ends_at, capacity, enrolled, enroll_from, enroll_until,
                  cover_file_id, form AS "form: Json<Vec<FormField>>", open_to_students, created_at, updated_at"#,
        id,
        a.title,
        a.description,
        a.place,
        a.starts_at,
        a.ends_at,
        a.capacity,
        a.enroll_from,
        a.enroll_until,
        a.cover_file_id,
        form_value(&a.form),
        a.open_to_students,
    )
    .fetch_one(conn)
    .await?;
    Ok(Changed::Done(Box::new(row)))
}

/// Whether anyone ever enrolled (cancelled enrollments included).
pub async fn has_enrollments(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let found = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM activity_enrollments WHERE activity_id = $1) AS "found!""#, id).fetch_one(conn).await?;
    Ok(found)
}

pub async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Activity>> {
    sqlx::query_as!(
        Activity,
        r#"SELECT id, title, description, place, starts_at, ends_at, capacity, enrolled, enroll_from, enroll_until,
                  cover_file_id, form AS "form: Json<Vec<FormField>>", open_to_students, created_at, updated_at
             FROM activities WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

fn form_value(form: &[FormField]) -> serde_json::Value {
    serde_json::to_value(form).unwrap_or_else(|_| serde_json::Value::Array(Vec::new()))
}

/// Which activities a list shows: those `enrolled_by` this user (a live enrollment) when given,
/// with `search` in the title (case-insensitive) when given, only those open to students when
/// `students_only` (a student's list).
#[derive(Debug, Clone, Copy, Default)]
pub struct ActivityFilter<'a> {
    pub enrolled_by: Option<i64>,
    pub search: Option<&'a str>,
    pub students_only: bool,
}

/// A page of activities, the latest start first, and the total.
pub async fn list(conn: &mut PgConnection, f: ActivityFilter<'_>, limit: i64, offset: i64) -> sqlx::Result<(Vec<Activity>, i64)> {
    let pattern = f.search.map(str::trim).filter(|s| !s.is_empty()).map(crate::college::contains_pattern);
    let rows = sqlx::query_as!(
        Activity,
        r#"SELECT a.id, a.title, a.description, a.place, a.starts_at, a.ends_at, a.capacity, a.enrolled, a.enroll_from,
                  a.enroll_until, a.cover_file_id, a.form AS "form: Json<Vec<FormField>>", a.open_to_students, a.created_at, a.updated_at
             FROM activities a
            WHERE ($1::BIGINT IS NULL OR EXISTS (SELECT 1 FROM activity_enrollments e
                                                 WHERE e.activity_id = a.id AND e.user_id = $1 AND e.cancelled_at IS NULL))
              AND ($2::TEXT IS NULL OR lower(a.title) LIKE $2)
              AND (NOT $5 OR a.open_to_students)
            ORDER BY a.starts_at DESC, a.id DESC LIMIT $3 OFFSET $4"#,
        f.enrolled_by,
        pattern,
        limit,
        offset,
        f.students_only,
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM activities a
            WHERE ($1::BIGINT IS NULL OR EXISTS (SELECT 1 FROM activity_enrollments e
                                                 WHERE e.activity_id = a.id AND e.user_id = $1 AND e.cancelled_at IS NULL))
              AND ($2::TEXT IS NULL OR lower(a.title) LIKE $2)
              AND (NOT $3 OR a.open_to_students)"#,
        f.enrolled_by,
        pattern,
        f.students_only,
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}
