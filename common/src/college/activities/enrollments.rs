//! Enrollments (报名): one live enrollment per user and activity, inside the activity's enrollment
//! window, within its capacity.
//!
//! Capacity under concurrency: [`enroll`] takes a place with one statement, `UPDATE activities
//! SET enrolled = enrolled + 1 WHERE id = $1 AND (capacity IS NULL OR enrolled < capacity) …`,
//! in the transaction that then inserts the enrollment. Concurrent enrollers queue on the row's
//! lock, and PostgreSQL re-reads the condition on the row as the one before them left it, so the
//! 51st of 50 finds `enrolled < capacity` false and gets no row back: [`Refusal::Full`]. If the
//! insert then fails (the same user twice at once: the partial unique index), the transaction
//! rolls back and with it the place. [`cancel`] gives the place back in the same way.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::types::Json;
use sqlx::PgConnection;

use super::answers;
use super::form::FormField;

#[derive(Debug, Clone, PartialEq)]
pub struct Enrollment {
    pub id: i64,
    pub activity_id: i64,
    pub user_id: i64,
    /// `{fieldId: value}` as checked by `answers::check`.
    pub answers: Value,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// Why an enrollment was not made.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    NotFound,
    /// Outside `[enroll_from, enroll_until)`.
    Closed,
    AlreadyEnrolled,
    Full,
    /// A message per field id (or unknown key).
    Invalid(BTreeMap<String, String>),
}

/// Enrolls `user_id` in the activity with `answers` at `now`. Run it in a transaction, and
/// commit only on `Ok(Ok(_))`: a refusal after the place was taken relies on the rollback.
pub async fn enroll(
    conn: &mut PgConnection,
    activity_id: i64,
    user_id: i64,
    given: &Map<String, Value>,
    now: DateTime<Utc>,
) -> sqlx::Result<Result<Enrollment, Refusal>> {
    // Cheap refusals first, without taking the row's lock.
    let Some(activity) = super::activity::find(&mut *conn, activity_id).await? else { return Ok(Err(Refusal::NotFound)) };
    if !activity.enrollment_open(now) {
        return Ok(Err(Refusal::Closed));
    }
    if let Err(problems) = answers::check(&activity.form, given) {
        return Ok(Err(Refusal::Invalid(problems)));
    }
    if live(&mut *conn, activity_id, user_id).await?.is_some() {
        return Ok(Err(Refusal::AlreadyEnrolled));
    }
    // The place, under the row's lock; the form read with it is the one the answers must fit
    // (an admin's change waits for this transaction).
    let taken = sqlx::query_scalar!(
        r#"UPDATE activities SET enrolled = enrolled + 1
            WHERE id = $1 AND (capacity IS NULL OR enrolled < capacity) AND enroll_from <= $2 AND $2 < enroll_until
        RETURNING form AS "form: Json<Vec<FormField>>""#,
        activity_id,
        now,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(Json(form)) = taken else {
        // Refused by capacity, unless the window closed (or the activity went) meanwhile.
        return Ok(Err(match super::activity::find(&mut *conn, activity_id).await? {
            Some(a) if a.enrollment_open(now) => Refusal::Full,
            Some(_) => Refusal::Closed,
            None => Refusal::NotFound,
        }));
    };
    let stored = match answers::check(&form, given) {
        Ok(stored) => stored,
        Err(problems) => return Ok(Err(Refusal::Invalid(problems))),
    };
    let inserted = sqlx::query_as!(
        Enrollment,
        "INSERT INTO activity_enrollments (activity_id, user_id, answers) VALUES ($1, $2, $3)
         RETURNING id, activity_id, user_id, answers, created_at, cancelled_at",
        activity_id,
        user_id,
        Value::Object(stored),
    )
    .fetch_one(&mut *conn)
    .await;
    match inserted {
        Ok(e) => Ok(Ok(e)),
        Err(sqlx::Error::Database(db)) if db.constraint() == Some("activity_enrollments_live_key") => Ok(Err(Refusal::AlreadyEnrolled)),
        Err(err) => Err(err),
    }
}

/// The user's live enrollment in the activity.
pub async fn live(conn: &mut PgConnection, activity_id: i64, user_id: i64) -> sqlx::Result<Option<Enrollment>> {
    sqlx::query_as!(
        Enrollment,
        "SELECT id, activity_id, user_id, answers, created_at, cancelled_at FROM activity_enrollments
          WHERE activity_id = $1 AND user_id = $2 AND cancelled_at IS NULL",
        activity_id,
        user_id,
    )
    .fetch_optional(conn)
    .await
}

/// The user's enrollment with this id (someone else's is `None`).
pub async fn find_own(conn: &mut PgConnection, id: i64, user_id: i64) -> sqlx::Result<Option<Enrollment>> {
    sqlx::query_as!(
        Enrollment,
        "SELECT id, activity_id, user_id, answers, created_at, cancelled_at FROM activity_enrollments WHERE id = $1 AND user_id = $2",
        id,
        user_id,
    )
    .fetch_optional(conn)
    .await
}

/// A page of the user's enrollments, newest first (cancelled ones only when `cancelled`), and
/// the total.
pub async fn mine(conn: &mut PgConnection, user_id: i64, cancelled: bool, limit: i64, offset: i64) -> sqlx::Result<(Vec<Enrollment>, i64)> {
    let rows = sqlx::query_as!(
        Enrollment,
        "SELECT id, activity_id, user_id, answers, created_at, cancelled_at FROM activity_enrollments
          WHERE user_id = $1 AND ($2 OR cancelled_at IS NULL) ORDER BY id DESC LIMIT $3 OFFSET $4",
        user_id,
        cancelled,
        limit,
        offset,
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM activity_enrollments WHERE user_id = $1 AND ($2 OR cancelled_at IS NULL)"#,
        user_id,
        cancelled,
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// Why a cancellation was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum CancelRefusal {
    /// No such enrollment of this user.
    NotFound,
    /// The enrollment window has closed: the enrollment stands.
    Closed,
}

/// Cancels the user's enrollment while the activity's enrollment window is open, giving its
/// place back; cancelling a cancelled one changes nothing and answers it again. Run it in a
/// transaction.
pub async fn cancel(conn: &mut PgConnection, id: i64, user_id: i64, now: DateTime<Utc>) -> sqlx::Result<Result<Enrollment, CancelRefusal>> {
    let Some(e) = find_own(&mut *conn, id, user_id).await? else { return Ok(Err(CancelRefusal::NotFound)) };
    if e.cancelled_at.is_some() {
        return Ok(Ok(e));
    }
    let Some(activity) = super::activity::find(&mut *conn, e.activity_id).await? else { return Ok(Err(CancelRefusal::NotFound)) };
    if !activity.enrollment_open(now) {
        return Ok(Err(CancelRefusal::Closed));
    }
    // Only the cancel that changes the row gives the place back (a second one waits for the
    // first's lock and then finds the row cancelled).
    let cancelled = sqlx::query_as!(
        Enrollment,
        "UPDATE activity_enrollments SET cancelled_at = greatest(now(), created_at) WHERE id = $1 AND cancelled_at IS NULL
         RETURNING id, activity_id, user_id, answers, created_at, cancelled_at",
        id,
    )
    .fetch_optional(&mut *conn)
    .await?;
    match cancelled {
        Some(e) => {
            sqlx::query!("UPDATE activities SET enrolled = enrolled - 1 WHERE id = $1", e.activity_id).execute(&mut *conn).await?;
            Ok(Ok(e))
        }
        None => Ok(find_own(conn, id, user_id).await?.ok_or(CancelRefusal::NotFound)),
    }
}
