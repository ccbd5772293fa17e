//! Planning a Koala visitor inside the business transaction: the visitor row and the outbox job
//! that will create its subject.

use sqlx::PgConnection;

use super::types::NewVisitor;
use crate::jobs::kinds::CreateKoalaVisitor;
use crate::outbox::Enqueue;

/// A planned visitor: its row and its outbox row (`outbox_id` is `None` when the key was planned
/// before: nothing new was written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedVisitor {
    pub visitor_id: i64,
    pub outbox_id: Option<i64>,
}

/// Plans the creation of one visitor subject, once per `idempotency_key` (e.g. a visit
/// application's id).
pub async fn plan_koala_visitor(conn: &mut PgConnection, idempotency_key: &str, v: &NewVisitor) -> sqlx::Result<PlannedVisitor> {
    let inserted: Option<i64> = sqlx::query_scalar!(
        "INSERT INTO koala_visitors (idempotency_key, name, phone, purpose, interviewee, come_from, avatar_url, start_time, end_time)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        idempotency_key,
        v.name,
        v.phone,
        v.purpose,
        v.interviewee,
        v.come_from,
        v.avatar_url,
        v.start,
        v.end
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(visitor_id) = inserted else {
        let visitor_id = sqlx::query_scalar!("SELECT id FROM koala_visitors WHERE idempotency_key = $1", idempotency_key)
            .fetch_one(&mut *conn)
            .await?;
        return Ok(PlannedVisitor { visitor_id, outbox_id: None });
    };
    let outbox_id = CreateKoalaVisitor { visitor_id }.enqueue_keyed(conn, format!("koala_visitor:{visitor_id}")).await?;
    Ok(PlannedVisitor { visitor_id, outbox_id })
}
