//! Seed 002 活动 fixtures for the check-in and enrollment-record tests, written with plain SQL
//! (the activity and enrollment routes are not what these tests are about).

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::PgPool;

/// An activity open now, with `form` (a JSON array of fields); its id.
pub async fn activity(pool: &PgPool, title: &str, form: Value) -> i64 {
    let now = Utc::now();
    sqlx::query_scalar(
        "INSERT INTO activities (title, starts_at, ends_at, enroll_from, enroll_until, form) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(title)
    .bind(now - Duration::days(1))
    .bind(now + Duration::days(1))
    .bind(now - Duration::days(10))
    .bind(now + Duration::days(10))
    .bind(form)
    .fetch_one(pool)
    .await
    .expect("activity")
}

/// The id of the user `username`.
pub async fn user_id(pool: &PgPool, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE lower(username) = lower($1)").bind(username).fetch_one(pool).await.expect("user")
}

/// Sets the user's display name.
pub async fn set_name(pool: &PgPool, user_id: i64, name: &str) {
    sqlx::query("UPDATE users SET name = $2 WHERE id = $1").bind(user_id).bind(name).execute(pool).await.expect("name");
}

/// A live enrollment of the user with `answers`, made at `at`; its id.
pub async fn enroll_at(pool: &PgPool, activity: i64, user: i64, answers: Value, at: DateTime<Utc>) -> i64 {
    let mut tx = pool.begin().await.expect("tx");
    let id = sqlx::query_scalar("INSERT INTO activity_enrollments (activity_id, user_id, answers, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(activity)
        .bind(user)
        .bind(answers)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .expect("enrollment");
    sqlx::query("UPDATE activities SET enrolled = enrolled + 1 WHERE id = $1").bind(activity).execute(&mut *tx).await.expect("count");
    tx.commit().await.expect("commit");
    id
}

/// A live enrollment made now.
pub async fn enroll(pool: &PgPool, activity: i64, user: i64, answers: Value) -> i64 {
    enroll_at(pool, activity, user, answers, Utc::now()).await
}

/// Cancels the enrollment.
pub async fn cancel(pool: &PgPool, enrollment: i64) {
    sqlx::query("UPDATE activity_enrollments SET cancelled_at = now() WHERE id = $1").bind(enrollment).execute(pool).await.expect("cancel");
    sqlx::query("UPDATE activities SET enrolled = enrolled - 1 WHERE id = (SELECT activity_id FROM activity_enrollments WHERE id = $1)")
        .bind(enrollment)
        .execute(pool)
        .await
        .expect("count");
}

/// A check-in item, written directly; its id.
pub async fn item(pool: &PgPool, activity: i64, label: &str, opens: DateTime<Utc>, closes: DateTime<Utc>) -> i64 {
    sqlx::query_scalar("INSERT INTO activity_clockin_items (activity_id, label, opens_at, closes_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(activity)
        .bind(label)
        .bind(opens)
        .bind(closes)
        .fetch_one(pool)
        .await
        .expect("item")
}

/// A check-in, written directly.
pub async fn check_in(pool: &PgPool, activity: i64, item: i64, user: i64, at: DateTime<Utc>) {
    sqlx::query("INSERT INTO activity_clockins (activity_id, item_id, user_id, created_at) VALUES ($1, $2, $3, $4)")
        .bind(activity)
        .bind(item)
        .bind(user)
        .bind(at)
        .execute(pool)
        .await
        .expect("check-in");
}

/// How many check-ins the activity has.
pub async fn clockin_count(pool: &PgPool, activity: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM activity_clockins WHERE activity_id = $1").bind(activity).fetch_one(pool).await.expect("count")
}
