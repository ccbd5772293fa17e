//! Hospital appointments (seed 001): the catalogue (hospitals, departments, schedules), patients,
//! bookings with capacity held under concurrency, and the waitlist with its promotion.

pub mod booking;
pub mod catalog;
mod error;
pub mod patients;
pub mod roster;
mod status;
pub mod waitlist;

pub use error::HospitalError;
pub use status::{AppointmentStatus, PaymentStatus, RefundStatus, WaitlistStatus};

/// `上午 08:00-12:00`, as the seed's `appointmentTime` shows a schedule's time.
pub fn time_label(period: &str, start: chrono::NaiveTime, end: chrono::NaiveTime) -> String {
    format!("{period} {}-{}", start.format("%H:%M"), end.format("%H:%M"))
}

/// Serialises one user's capped inserts (patients, waitlist entries) until the transaction ends,
/// so that parallel requests cannot all pass a count check. `scope` names the cap.
pub(crate) async fn lock_user_cap(conn: &mut sqlx::PgConnection, scope: i32, user_id: i64) -> sqlx::Result<()> {
    sqlx::query!("SELECT pg_advisory_xact_lock($1, hashint8($2))", scope, user_id).execute(conn).await?;
    Ok(())
}

/// [`lock_user_cap`] scopes.
pub(crate) const CAP_PATIENTS: i32 = 9_001;
pub(crate) const CAP_WAITLIST: i32 = 9_002;

/// Money is kept in cents and shown in yuan (`10.0`).
pub fn yuan(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Yuan from a client (`10.0`) to cents, refusing negatives, NaN and more than two decimals.
pub fn cents(yuan: f64) -> Option<i64> {
    let scaled = yuan * 100.0;
    let rounded = scaled.round();
    let ok = yuan.is_finite() && yuan >= 0.0 && (scaled - rounded).abs() < 1e-6 && rounded <= 1e8;
    ok.then_some(rounded as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_round_trips() {
        assert_eq!(super::cents(10.0), Some(1000));
        assert_eq!(super::cents(0.35), Some(35));
        assert_eq!(super::cents(-1.0), None);
        assert_eq!(super::cents(1.005), None);
        assert_eq!(super::cents(f64::NAN), None);
        assert_eq!(super::yuan(1050), 10.5);
    }
}
