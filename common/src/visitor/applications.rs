//! Visit applications (`POST /v1/subject`): stored here only; authorization (at once when the
//! host applies) plans the Koala registrations. Who is who is by phone: the proposer (the caller's
//! bound phone), the visitor, each companion and the host.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

crate::text_enum! {
    /// `visit_applications.status`: 未授权 / 已授权 / 已拒绝.
    pub enum VisitStatus { Pending = "pending", Authorized = "authorized", Refused = "refused" }
}

crate::text_enum! {
    /// Who applied: the host (staff) or the visitor.
    pub enum Applicant { Host = "host", Visitor = "visitor" }
}

/// A person by name and (normalised) phone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Person {
    pub name: String,
    pub phone: String,
}

/// What an application holds.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub proposer_id: i64,
    pub proposer_phone: String,
    pub applicant: Applicant,
    pub visitor: Person,
    pub companions: Vec<Person>,
    pub host_phone: String,
    pub purpose: String,
    pub visit_from: DateTime<Utc>,
    pub visit_to: DateTime<Utc>,
    pub note: String,
}

/// A stored application.
#[derive(Debug, Clone)]
pub struct Application {
    pub id: i64,
    pub proposer_phone: String,
    pub applicant: Applicant,
    pub visitor: Person,
    pub companions: Vec<Person>,
    pub host_phone: String,
    pub purpose: String,
    pub visit_from: DateTime<Utc>,
    pub visit_to: DateTime<Utc>,
    pub note: String,
    pub status: VisitStatus,
    pub refusal_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Application {
    /// The visitor and every companion.
    pub fn people(&self) -> impl Iterator<Item = &Person> {
        std::iter::once(&self.visitor).chain(self.companions.iter())
    }
}

struct Row {
    id: i64,
    proposer_phone: String,
    applicant: Applicant,
    visitor_name: String,
    visitor_phone: String,
    host_phone: String,
    purpose: String,
    visit_from: DateTime<Utc>,
    visit_to: DateTime<Utc>,
    note: String,
    status: VisitStatus,
    refusal_reason: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// Inserts the application and its companions; status `authorized` when the host applied.
pub async fn insert(conn: &mut PgConnection, a: &NewApplication) -> sqlx::Result<i64> {
    let status = match a.applicant {
        Applicant::Host => VisitStatus::Authorized,
        Applicant::Visitor => VisitStatus::Pending,
    };
    let id = sqlx::query_scalar!(
        "INSERT INTO visit_applications (proposer_id, proposer_phone, applicant, visitor_name, visitor_phone, host_phone, purpose,
                                         visit_from, visit_to, note, status, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $11 = 'authorized' THEN now() END) RETURNING id",
        a.proposer_id,
        a.proposer_phone,
        a.applicant.as_str(),
        a.visitor.name,
        a.visitor.phone,
        a.host_phone,
        a.purpose,
        a.visit_from,
        a.visit_to,
        a.note,
        status.as_str()
    )
    .fetch_one(&mut *conn)
    .await?;
    for (position, c) in (1i32..).zip(&a.companions) {
        sqlx::query!("INSERT INTO visit_companions (application_id, position, name, phone) VALUES ($1, $2, $3, $4)", id, position, c.name, c.phone)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

/// One application, its row locked until the transaction ends (a decision, or reading back what
/// was just written).
pub async fn find_for_update(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Application>> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT id, proposer_phone, applicant AS "applicant: Applicant", visitor_name, visitor_phone, host_phone, purpose, visit_from,
                      visit_to, note, status AS "status: VisitStatus", refusal_reason, decided_at, created_at
                 FROM visit_applications WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(with_companions(conn, vec![row]).await?.pop()),
        None => Ok(None),
    }
}

// The two lists differ only in their WHERE (each has its own index); sqlx's macros take literal
// SQL, so each spells the columns out.
/// `GET /v1/visit/records`: applications whose host is `phone` and whose proposer is not, newest first.
pub async fn hosted_by(conn: &mut PgConnection, phone: &str, limit: i64, offset: i64) -> sqlx::Result<(Vec<Application>, i64)> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT id, proposer_phone, applicant AS "applicant: Applicant", visitor_name, visitor_phone, host_phone, purpose, visit_from,
                  visit_to, note, status AS "status: VisitStatus", refusal_reason, decided_at, created_at
             FROM visit_applications WHERE host_phone = $1 AND proposer_phone <> $1
            ORDER BY id DESC LIMIT $2 OFFSET $3"#,
        phone,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let count = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM visit_applications WHERE host_phone = $1 AND proposer_phone <> $1"#, phone)
        .fetch_one(&mut *conn)
        .await?;
    Ok((with_companions(conn, rows).await?, count))
}

/// `GET /v1/auth/records`: applications `phone` proposed, newest first.
pub async fn proposed_by(conn: &mut PgConnection, phone: &str, limit: i64, offset: i64) -> sqlx::Result<(Vec<Application>, i64)> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT id, proposer_phone, applicant AS "applicant: Applicant", visitor_name, visitor_phone, host_phone, purpose, visit_from,
                  visit_to, note, status AS "status: VisitStatus", refusal_reason, decided_at, created_at
             FROM visit_applications WHERE proposer_phone = $1
            ORDER BY id DESC LIMIT $2 OFFSET $3"#,
        phone,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let count = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM visit_applications WHERE proposer_phone = $1"#, phone)
        .fetch_one(&mut *conn)
        .await?;
    Ok((with_companions(conn, rows).await?, count))
}

/// Records the host's decision on a pending application.
pub async fn decide(conn: &mut PgConnection, id: i64, status: VisitStatus, reason: Option<&str>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE visit_applications SET status = $2, refusal_reason = $3, decided_at = now() WHERE id = $1 AND status = 'pending'",
        id,
        status.as_str(),
        reason
    )
    .execute(conn)
    .await?;
    Ok(())
}

async fn with_companions(conn: &mut PgConnection, rows: Vec<Row>) -> sqlx::Result<Vec<Application>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let companions = sqlx::query!(
        "SELECT application_id, name, phone FROM visit_companions WHERE application_id = ANY($1) ORDER BY application_id, position",
        &ids
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Application {
            companions: companions
                .iter()
                .filter(|c| c.application_id == r.id)
                .map(|c| Person { name: c.name.clone(), phone: c.phone.clone() })
                .collect(),
            id: r.id,
            proposer_phone: r.proposer_phone,
            applicant: r.applicant,
            visitor: Person { name: r.visitor_name, phone: r.visitor_phone },
            host_phone: r.host_phone,
            purpose: r.purpose,
            visit_from: r.visit_from,
            visit_to: r.visit_to,
            note: r.note,
            status: r.status,
            refusal_reason: r.refusal_reason,
            decided_at: r.decided_at,
            created_at: r.created_at,
        })
        .collect())
}
