//! 打卡项 (check-in items): an activity's labelled time windows, such as 签到 and 签退. A user
//! checks in to an item once (`activity_clockins`); the labels are the words of the enrollment
//! records' filter ([`super::filter`]).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockinItem {
    pub id: i64,
    pub activity_id: i64,
    pub label: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// An activity's check-in items, by opening time.
pub async fn of_activity(conn: &mut PgConnection, activity_id: i64) -> sqlx::Result<Vec<ClockinItem>> {
    sqlx::query_as!(
        ClockinItem,
        "SELECT id, activity_id, label, opens_at, closes_at FROM activity_clockin_items
          WHERE activity_id = $1 ORDER BY opens_at, id",
        activity_id,
    )
    .fetch_all(conn)
    .await
}
