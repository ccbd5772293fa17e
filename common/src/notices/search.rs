//! Finding notices (seed 004): a part of the title or body, Chinese included (trigram-indexed
//! `lower(…) LIKE`), a category, and three orders — relevance (a match in the title first, then the
//! title's trigram similarity to the query), newest, and hot: reads and comments (a comment weighs three reads), decayed by
//! age as `(reads + 3·comments + 1) / (hours + 2)^1.5`, so a busy notice rises and sinks with time.
//! Staff find the notices their scope sees; a student, those they received.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::send::Urgency;
use super::Scope;
use crate::college::contains_pattern;

crate::text_enum! {
    /// How results are ordered.
    pub enum SearchOrder { Relevance = "relevance", Newest = "newest", Hot = "hot" }
}

/// Whose notices are searched.
#[derive(Debug, Clone, Copy)]
pub enum Searcher {
    Staff(Scope),
    /// A student: the notices they received.
    Student(i64),
}

#[derive(Debug, Clone, Copy)]
pub struct SearchQuery<'a> {
    pub q: Option<&'a str>,
    pub category_id: Option<i64>,
    pub order: SearchOrder,
}

#[derive(Debug, Clone)]
pub struct Found {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub urgency: Urgency,
    pub sent_at: DateTime<Utc>,
    pub reads: i64,
    pub comments: i64,
    pub hot: f64,
}

/// A page of matching notices in the asked order, and how many match.
pub async fn search(conn: &mut PgConnection, who: Searcher, q: SearchQuery<'_>, limit: i64, offset: i64) -> sqlx::Result<(Vec<Found>, i64)> {
    let pattern = q.q.map(contains_pattern);
    let term = q.q.map(|t| t.trim().to_lowercase());
    let (staff, counselor, student) = match who {
        Searcher::Staff(scope) => (true, scope.counselor_filter(), None),
        Searcher::Student(id) => (false, None, Some(id)),
    };
    let rows = sqlx::query_file_as!(
        Found,
        "src/notices/search.sql",
        pattern,
        q.category_id,
        staff,
        counselor,
        student,
        term,
        q.order.as_str(),
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM notices n
            WHERE ($1::text IS NULL OR lower(n.title) LIKE $1 OR lower(n.body) LIKE $1)
              AND ($2::bigint IS NULL OR n.category_id = $2)
              AND (($3 AND ($4::bigint IS NULL OR n.counselor_id = $4))
                   OR (NOT $3 AND EXISTS (SELECT 1 FROM notice_recipients r WHERE r.notice_id = n.id AND r.student_id = $5)))"#,
        pattern,
        q.category_id,
        staff,
        counselor,
        student
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, count))
}
