//! 打卡 (check-ins) and 打卡员 (check-in operators): who checked in to which item of an
//! activity, and who besides admins may show an activity's QR display.
//!
//! A check-in is recorded once per user and item (`activity_clockins_once`); a second scan
//! finds the first row and changes nothing.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// One check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clockin {
    pub id: i64,
    pub activity_id: i64,
    pub item_id: i64,
    pub label: String,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
}

/// What recording a check-in did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// This scan checked the user in.
    New(Clockin),
    /// The user had checked in to the item before: that check-in, unchanged.
    Already(Clockin),
}

/// Whether the activity exists.
pub async fn activity_exists(conn: &mut PgConnection, activity_id: i64) -> sqlx::Result<bool> {
    let found = sqlx::query_scalar!("SELECT EXISTS (SELECT 1 FROM activities WHERE id = $1) AS \"found!\"", activity_id).fetch_one(conn).await?;
    Ok(found)
}

/// The activity's title (`None`: no such activity).
pub async fn activity_title(conn: &mut PgConnection, activity_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT title FROM activities WHERE id = $1", activity_id).fetch_optional(conn).await
}

/// Whether the user has a live (not cancelled) enrollment in the activity.
pub async fn is_enrolled(conn: &mut PgConnection, activity_id: i64, user_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        "SELECT EXISTS (SELECT 1 FROM activity_enrollments WHERE activity_id = $1 AND user_id = $2 AND cancelled_at IS NULL) AS \"found!\"",
        activity_id,
        user_id,
    )
    .fetch_one(conn)
    .await
}

/// Records the user's check-in to the item at `at`, once: a repeated one returns the first.
pub async fn record(conn: &mut PgConnection, activity_id: i64, item_id: i64, user_id: i64, at: DateTime<Utc>) -> sqlx::Result<Recorded> {
    let inserted = sqlx::query_scalar!(
        "INSERT INTO activity_clockins (activity_id, item_id, user_id, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (item_id, user_id) DO NOTHING RETURNING id",
        activity_id,
        item_id,
        user_id,
        at,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let row = sqlx::query_as!(
        Clockin,
        "SELECT c.id, c.activity_id, c.item_id, i.label, c.user_id, c.created_at
           FROM activity_clockins c JOIN activity_clockin_items i ON i.id = c.item_id
          WHERE c.item_id = $1 AND c.user_id = $2",
        item_id,
        user_id,
    )
    .fetch_one(conn)
    .await?;
    Ok(if inserted.is_some() { Recorded::New(row) } else { Recorded::Already(row) })
}

/// The user's check-ins to the activity's items, oldest first.
pub async fn of_user(conn: &mut PgConnection, activity_id: i64, user_id: i64) -> sqlx::Result<Vec<Clockin>> {
    sqlx::query_as!(
        Clockin,
        "SELECT c.id, c.activity_id, c.item_id, i.label, c.user_id, c.created_at
           FROM activity_clockins c JOIN activity_clockin_items i ON i.id = c.item_id
          WHERE c.activity_id = $1 AND c.user_id = $2 ORDER BY c.created_at, c.id",
        activity_id,
        user_id,
    )
    .fetch_all(conn)
    .await
}

/// When each of these users checked in to each item of the activity: `(user, item, at)`.
pub async fn times_of(conn: &mut PgConnection, activity_id: i64, user_ids: &[i64]) -> sqlx::Result<Vec<(i64, i64, DateTime<Utc>)>> {
    let rows = sqlx::query!(
        "SELECT user_id, item_id, created_at FROM activity_clockins WHERE activity_id = $1 AND user_id = ANY($2)",
        activity_id,
        user_ids,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.user_id, r.item_id, r.created_at)).collect())
}

/// The activity's operators' user ids, ascending.
pub async fn operators(conn: &mut PgConnection, activity_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!("SELECT user_id FROM activity_operators WHERE activity_id = $1 ORDER BY user_id", activity_id).fetch_all(conn).await
}

/// Whether the user is one of the activity's operators.
pub async fn is_operator(conn: &mut PgConnection, activity_id: i64, user_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        "SELECT EXISTS (SELECT 1 FROM activity_operators WHERE activity_id = $1 AND user_id = $2) AS \"found!\"",
        activity_id,
        user_id,
    )
    .fetch_one(conn)
    .await
}

/// Of these user ids, those that name no user, ascending.
pub async fn unknown_users(conn: &mut PgConnection, user_ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "SELECT u.id AS \"id!\" FROM unnest($1::BIGINT[]) AS u(id) WHERE NOT EXISTS (SELECT 1 FROM users WHERE users.id = u.id) ORDER BY 1",
        user_ids,
    )
    .fetch_all(conn)
    .await
}

/// Makes exactly these users the activity's operators (in one transaction, so no reader sees
/// half a set). The caller has checked that every id names a user.
pub async fn replace_operators(conn: &mut PgConnection, activity_id: i64, user_ids: &[i64]) -> sqlx::Result<()> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query!("DELETE FROM activity_operators WHERE activity_id = $1 AND user_id <> ALL($2)", activity_id, user_ids).execute(&mut *tx).await?;
    sqlx::query!(
        "INSERT INTO activity_operators (activity_id, user_id) SELECT $1, u FROM unnest($2::BIGINT[]) AS u ON CONFLICT DO NOTHING",
        activity_id,
        user_ids,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
