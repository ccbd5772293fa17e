//! 获取用户地理位置 (seed 004): a student's last known position. Kept only for a student who opted
//! in (from the H5 settings), only the newest report, and only for [`LOCATION_RETENTION`] (older
//! rows are never shown and the scheduler deletes them); opting out deletes it at once. Only the
//! counselor of the student's class sees it — not other counselors, not admins.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

/// How long a reported position is kept.
pub const LOCATION_RETENTION: Duration = Duration::hours(24);

/// Where a position came from: the `LOCATION` event (reported when a follower opens the account,
/// if they allowed it in WeChat) or a location message the student sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Event,
    Message,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::Message => "message",
        }
    }
}

/// One report from the callback.
#[derive(Debug, Clone, PartialEq)]
pub struct Report<'a> {
    pub latitude: f64,
    pub longitude: f64,
    pub precision_m: Option<f64>,
    pub label: &'a str,
    pub source: Source,
    /// WeChat's `CreateTime`: a late redelivery never replaces a newer position.
    pub at: DateTime<Utc>,
}

impl Report<'_> {
    /// Coordinates on the globe and a sane precision (WeChat sends decimal degrees).
    pub fn is_valid(&self) -> bool {
        (-90.0..=90.0).contains(&self.latitude)
            && (-180.0..=180.0).contains(&self.longitude)
            && self.precision_m.is_none_or(|p| p.is_finite() && p >= 0.0)
    }
}

/// A position as the counselor sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub student_id: i64,
    pub student_no: String,
    pub name: String,
    pub class_name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub precision_m: Option<f64>,
    pub label: String,
    pub source: String,
    pub reported_at: DateTime<Utc>,
}

/// When the student opted in (`None`: they have not).
pub async fn consent_of(conn: &mut PgConnection, student_id: i64) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!("SELECT granted_at FROM student_location_consents WHERE student_id = $1", student_id).fetch_optional(conn).await
}

/// Opts in (keeps the first consent's time) or out (the stored position goes with it).
pub async fn set_consent(conn: &mut PgConnection, student_id: i64, share: bool) -> sqlx::Result<()> {
    if share {
        sqlx::query!("INSERT INTO student_location_consents (student_id) VALUES ($1) ON CONFLICT (student_id) DO NOTHING", student_id)
            .execute(conn)
            .await?;
    } else {
        sqlx::query!("DELETE FROM student_location_consents WHERE student_id = $1", student_id).execute(conn).await?;
    }
    Ok(())
}

/// Records a report from `openid` when it is bound (actively) to a student who opted in; true when
/// kept. An older report than the one stored changes nothing.
pub async fn record(conn: &mut PgConnection, openid: &str, report: &Report<'_>) -> sqlx::Result<bool> {
    if !report.is_valid() {
        return Ok(false);
    }
    let label: String = report.label.chars().take(200).collect();
    let kept = sqlx::query!(
        "INSERT INTO student_locations (student_id, latitude, longitude, precision_m, label, source, reported_at)
         SELECT c.student_id, $2, $3, $4, $5, $6, $7
           FROM student_bindings b JOIN student_location_consents c ON c.student_id = b.student_id
          WHERE b.openid = $1 AND b.active
         ON CONFLICT (student_id) DO UPDATE SET latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
             precision_m = EXCLUDED.precision_m, label = EXCLUDED.label, source = EXCLUDED.source, reported_at = EXCLUDED.reported_at
          WHERE student_locations.reported_at < EXCLUDED.reported_at",
        openid,
        report.latitude,
        report.longitude,
        report.precision_m,
        label,
        report.source.as_str(),
        report.at
    )
    .execute(conn)
    .await?;
    Ok(kept.rows_affected() > 0)
}

/// The positions, newer than the retention, of the students in the classes counselor
/// `counselor_id` looks after (optionally one student), newest first; and how many there are.
pub async fn of_counselor(
    conn: &mut PgConnection,
    counselor_id: i64,
    student_id: Option<i64>,
    now: DateTime<Utc>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Position>, i64)> {
    let since = now - LOCATION_RETENTION;
    let rows = sqlx::query_as!(
        Position,
        r#"SELECT l.student_id, s.student_no, s.name, k.name AS class_name, l.latitude, l.longitude, l.precision_m,
                  l.label, l.source, l.reported_at
             FROM student_locations l JOIN students s ON s.id = l.student_id JOIN school_classes k ON k.id = s.class_id
            WHERE k.counselor_id = $1 AND l.reported_at > $2 AND ($3::bigint IS NULL OR l.student_id = $3)
            ORDER BY l.reported_at DESC, l.student_id LIMIT $4 OFFSET $5"#,
        counselor_id,
        since,
        student_id,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM student_locations l JOIN students s ON s.id = l.student_id JOIN school_classes k ON k.id = s.class_id
            WHERE k.counselor_id = $1 AND l.reported_at > $2 AND ($3::bigint IS NULL OR l.student_id = $3)"#,
        counselor_id,
        since,
        student_id
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, count))
}

/// Deletes the positions reported at or before `before` (the retention's end); how many.
pub async fn prune(conn: &mut PgConnection, before: DateTime<Utc>) -> sqlx::Result<u64> {
    Ok(sqlx::query!("DELETE FROM student_locations WHERE reported_at <= $1", before).execute(conn).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(latitude: f64, longitude: f64, precision_m: Option<f64>) -> Report<'static> {
        Report { latitude, longitude, precision_m, label: "", source: Source::Event, at: Utc::now() }
    }

    #[test]
    fn only_coordinates_on_the_globe_are_kept() {
        assert!(report(23.1, 113.3, Some(30.0)).is_valid());
        assert!(report(-90.0, 180.0, None).is_valid());
        assert!(!report(90.5, 113.3, None).is_valid());
        assert!(!report(23.1, -181.0, None).is_valid());
        assert!(!report(f64::NAN, 113.3, None).is_valid());
        assert!(!report(23.1, 113.3, Some(-1.0)).is_valid());
        assert!(!report(23.1, 113.3, Some(f64::INFINITY)).is_valid());
    }
}
