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

/// Adds a check-in item to an activity; `None` when the activity has an item of that label
/// already. The caller has checked the label (see the table's `CHECK`s) and that the activity
/// exists.
pub async fn create(conn: &mut PgConnection, activity_id: i64, label: &str, opens_at: DateTime<Utc>, closes_at: DateTime<Utc>) -> sqlx::Result<Option<ClockinItem>> {
    sqlx::query_as!(
        ClockinItem,
        "INSERT INTO activity_clockin_items (activity_id, label, opens_at, closes_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (activity_id, label) DO NOTHING
         RETURNING id, activity_id, label, opens_at, closes_at",
        activity_id,
        label,
        opens_at,
        closes_at,
    )
    .fetch_optional(conn)
    .await
}

/// One item of an activity (`None` when the item does not exist or belongs to another activity).
pub async fn find(conn: &mut PgConnection, activity_id: i64, item_id: i64) -> sqlx::Result<Option<ClockinItem>> {
    sqlx::query_as!(
        ClockinItem,
        "SELECT id, activity_id, label, opens_at, closes_at FROM activity_clockin_items WHERE id = $1 AND activity_id = $2",
        item_id,
        activity_id,
    )
    .fetch_optional(conn)
    .await
}

/// Why a label cannot name a check-in item, in the words of the table's `CHECK`s (so the API
/// refuses it with a 422 before PostgreSQL would): 1 to 20 characters, no whitespace (the filter
/// skips it) and no parentheses of either width (the filter's grouping).
pub fn label_problem(label: &str) -> Option<&'static str> {
    let length = label.chars().count();
    if length == 0 {
        Some("is required")
    } else if length > MAX_LABEL_CHARS {
        Some("must be at most 20 characters")
    } else if label.chars().any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '（' | '）' | '\0')) {
        Some("must not contain whitespace or parentheses (they are words of the records filter)")
    } else {
        None
    }
}

/// The longest label (`activity_clockin_items_label_length`).
pub const MAX_LABEL_CHARS: usize = 20;
