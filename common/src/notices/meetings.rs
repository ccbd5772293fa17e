//! 会议签到 and 签到统计 (seed 004): a counselor calls a meeting for some of their classes, the
//! students of those classes are frozen into its attendee list, and each checks in once by
//! scanning the meeting's rotating code (seed 002's check-in token, under the meeting context:
//! `CheckinKeys::sign_meeting`) inside the check-in window. Statistics per meeting and per class
//! come from the frozen list, so they never drift when a student changes class.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, Transaction};

use super::Scope;

/// At most this many classes per meeting.
pub const MAX_CLASSES: usize = 50;

/// What is written when a meeting is called.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub title: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub checkin_opens_at: DateTime<Utc>,
    pub checkin_closes_at: DateTime<Utc>,
    pub class_ids: Vec<i64>,
}

/// A meeting with its totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    pub id: i64,
    pub title: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub checkin_opens_at: DateTime<Utc>,
    pub checkin_closes_at: DateTime<Utc>,
    pub invited: i64,
    pub checked_in: i64,
    pub created_at: DateTime<Utc>,
}

impl Meeting {
    /// Whether `now` is inside the check-in window.
    pub fn open_at(&self, now: DateTime<Utc>) -> bool {
        self.checkin_opens_at <= now && now < self.checkin_closes_at
    }
}

/// One class's attendance at a meeting (its name when the meeting was called).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassAttendance {
    pub class_id: i64,
    pub class_name: String,
    pub invited: i64,
    pub checked_in: i64,
}

/// One invited student and when they checked in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub student_id: i64,
    pub student_no: String,
    pub name: String,
    pub class_name: String,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// What a scan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckIn {
    /// Checked in now.
    New(DateTime<Utc>),
    /// Checked in earlier, at this time (nothing changed).
    Already(DateTime<Utc>),
    /// The student is not on the meeting's list.
    NotInvited,
}

/// Calls a meeting for `m.class_ids` (already checked to be the caller's) and freezes their
/// students as its attendees; the meeting's id.
pub async fn create(tx: &mut Transaction<'_, Postgres>, scope: Scope, m: &NewMeeting, created_by: i64) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO school_meetings (title, place, starts_at, ends_at, checkin_opens_at, checkin_closes_at, counselor_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        m.title,
        m.place,
        m.starts_at,
        m.ends_at,
        m.checkin_opens_at,
        m.checkin_closes_at,
        scope.owner(),
        created_by
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query!(
        "INSERT INTO school_meeting_attendees (meeting_id, student_id, class_id, class_name)
         SELECT $1, s.id, k.id, k.name FROM students s JOIN school_classes k ON k.id = s.class_id WHERE k.id = ANY($2)",
        id,
        &m.class_ids
    )
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The meetings `scope` sees (a counselor their own, admins all), newest first, and how many.
pub async fn list(conn: &mut PgConnection, scope: Scope, limit: i64, offset: i64) -> sqlx::Result<(Vec<Meeting>, i64)> {
    let counselor = scope.counselor_filter();
    let rows = sqlx::query_as!(
        Meeting,
        r#"SELECT m.id, m.title, m.place, m.starts_at, m.ends_at, m.checkin_opens_at, m.checkin_closes_at, m.created_at,
                  (SELECT count(*) FROM school_meeting_attendees a WHERE a.meeting_id = m.id) AS "invited!",
                  (SELECT count(*) FROM school_meeting_attendees a WHERE a.meeting_id = m.id AND a.checked_in_at IS NOT NULL) AS "checked_in!"
           FROM school_meetings m
           WHERE $1::bigint IS NULL OR m.counselor_id = $1
           ORDER BY m.starts_at DESC, m.id DESC LIMIT $2 OFFSET $3"#,
        counselor,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let count = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM school_meetings WHERE $1::bigint IS NULL OR counselor_id = $1"#, counselor)
        .fetch_one(conn)
        .await?;
    Ok((rows, count))
}

/// Meeting `id` if `scope` sees it.
pub async fn find(conn: &mut PgConnection, scope: Scope, id: i64) -> sqlx::Result<Option<Meeting>> {
    sqlx::query_as!(
        Meeting,
        r#"SELECT m.id, m.title, m.place, m.starts_at, m.ends_at, m.checkin_opens_at, m.checkin_closes_at, m.created_at,
                  (SELECT count(*) FROM school_meeting_attendees a WHERE a.meeting_id = m.id) AS "invited!",
                  (SELECT count(*) FROM school_meeting_attendees a WHERE a.meeting_id = m.id AND a.checked_in_at IS NOT NULL) AS "checked_in!"
           FROM school_meetings m
           WHERE m.id = $1 AND ($2::bigint IS NULL OR m.counselor_id = $2)"#,
        id,
        scope.counselor_filter()
    )
    .fetch_optional(conn)
    .await
}

/// Meeting `id` as a student scanning its code sees it (any meeting; whether they are on its
/// list is [`check_in`]'s answer).
pub async fn find_for_scan(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Meeting>> {
    find(conn, Scope::All, id).await
}

/// Per class, in the order of the classes' names.
pub async fn by_class(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<ClassAttendance>> {
    sqlx::query_as!(
        ClassAttendance,
        r#"SELECT class_id, class_name, count(*) AS "invited!", count(checked_in_at) AS "checked_in!"
           FROM school_meeting_attendees WHERE meeting_id = $1
           GROUP BY class_id, class_name ORDER BY class_name, class_id"#,
        id
    )
    .fetch_all(conn)
    .await
}

/// The attendees, by class and student number; `checked_in` filters (`None`: everyone).
/// `limit` `None` is everyone (the CSV).
pub async fn attendees(conn: &mut PgConnection, id: i64, checked_in: Option<bool>, limit: Option<i64>, offset: i64) -> sqlx::Result<(Vec<Attendee>, i64)> {
    let rows = sqlx::query_as!(
        Attendee,
        r#"SELECT a.student_id, s.student_no, s.name, a.class_name, a.checked_in_at
           FROM school_meeting_attendees a JOIN students s ON s.id = a.student_id
           WHERE a.meeting_id = $1 AND ($2::bool IS NULL OR (a.checked_in_at IS NOT NULL) = $2)
           ORDER BY a.class_name, s.student_no LIMIT $3 OFFSET $4"#,
        id,
        checked_in,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM school_meeting_attendees WHERE meeting_id = $1 AND ($2::bool IS NULL OR (checked_in_at IS NOT NULL) = $2)"#,
        id,
        checked_in
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, count))
}

/// Checks student `student_id` in to meeting `id` at `now` (the caller has verified the code and
/// the window). Once: a second scan answers the first time and changes nothing.
pub async fn check_in(conn: &mut PgConnection, id: i64, student_id: i64, now: DateTime<Utc>) -> sqlx::Result<CheckIn> {
    let set = sqlx::query_scalar!(
        r#"UPDATE school_meeting_attendees SET checked_in_at = $3
           WHERE meeting_id = $1 AND student_id = $2 AND checked_in_at IS NULL RETURNING checked_in_at AS "at!""#,
        id,
        student_id,
        now
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(at) = set {
        return Ok(CheckIn::New(at));
    }
    let earlier = sqlx::query_scalar!("SELECT checked_in_at FROM school_meeting_attendees WHERE meeting_id = $1 AND student_id = $2", id, student_id)
        .fetch_optional(conn)
        .await?;
    Ok(match earlier.flatten() {
        Some(at) => CheckIn::Already(at),
        None => CheckIn::NotInvited,
    })
}

/// Deletes meeting `id` (and its attendance) if `scope` sees it; whether it did.
pub async fn delete(conn: &mut PgConnection, scope: Scope, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!("DELETE FROM school_meetings WHERE id = $1 AND ($2::bigint IS NULL OR counselor_id = $2)", id, scope.counselor_filter())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
