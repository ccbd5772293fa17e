//! 报名记录: an activity's live enrollments for the admin, newest first, a page at a time, with
//! the items each user checked in to, narrowed by a [`Filter`] evaluated in PostgreSQL.
//!
//! The SQL is built with `QueryBuilder` because the filter's shape is the admin's; everything
//! else in it is fixed text, and every value (activity, item ids, limit, offset) is bound.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::filter::Filter;

/// One enrollment as the records list shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EnrollmentRecord {
    pub id: i64,
    pub user_id: i64,
    /// `{fieldId: value}` as the user answered the form.
    pub answers: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// The ids of the activity's items this user checked in to, in id order.
    pub checked_in: Vec<i64>,
}

/// A page of an activity's live enrollments that `filter` selects (all without one), newest
/// first, and how many it selects in all.
pub async fn list(
    conn: &mut PgConnection,
    activity_id: i64,
    filter: Option<&Filter>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<EnrollmentRecord>, i64)> {
    let mut page = QueryBuilder::<Postgres>::new(
        "SELECT e.id, e.user_id, e.answers, e.created_at,
                ARRAY(SELECT c.item_id FROM activity_clockins c
                       WHERE c.activity_id = e.activity_id AND c.user_id = e.user_id ORDER BY c.item_id) AS checked_in
           FROM activity_enrollments e",
    );
    push_selection(&mut page, activity_id, filter);
    page.push(" ORDER BY e.created_at DESC, e.id DESC LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
    let rows = page.build_query_as::<EnrollmentRecord>().fetch_all(&mut *conn).await?;

    let mut count = QueryBuilder::<Postgres>::new("SELECT count(*) FROM activity_enrollments e");
    push_selection(&mut count, activity_id, filter);
    let total = count.build_query_scalar::<i64>().fetch_one(conn).await?;
    Ok((rows, total))
}

/// ` WHERE` the activity's live enrollments that the filter selects.
fn push_selection(query: &mut QueryBuilder<'_, Postgres>, activity_id: i64, filter: Option<&Filter>) {
    query.push(" WHERE e.activity_id = ").push_bind(activity_id).push(" AND e.cancelled_at IS NULL");
    if let Some(filter) = filter {
        query.push(" AND ");
        filter.push_sql(query, "e");
    }
}

/// The activity's enrollment form (`None`: no such activity). A stored form that does not read
/// as fields is an error, not an empty form.
pub async fn form_of(conn: &mut PgConnection, activity_id: i64) -> sqlx::Result<Option<Vec<super::form::FormField>>> {
    let Some(form) = sqlx::query_scalar!("SELECT form FROM activities WHERE id = $1", activity_id).fetch_optional(conn).await? else {
        return Ok(None);
    };
    serde_json::from_value(form).map(Some).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// The `(id, username, name)` of these users.
pub async fn names_of(conn: &mut PgConnection, user_ids: &[i64]) -> sqlx::Result<Vec<(i64, String, String)>> {
    let rows = sqlx::query!("SELECT id, username, name FROM users WHERE id = ANY($1)", user_ids).fetch_all(conn).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.username, r.name)).collect())
}
