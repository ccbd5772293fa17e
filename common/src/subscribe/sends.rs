//! The send log: one row per planned message. A job claims its row (`pending → sending`, with the
//! claim's time and attempt) before calling WeChat, so a job delivered twice sends once; every
//! later update is guarded by that claim.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::college::reservations::ReservationStatus;
use crate::hospital::{AppointmentStatus, WaitlistStatus};

crate::text_enum! {
    /// `subscribe_sends.status`.
    pub enum SendStatus { Pending = "pending", Sending = "sending", Sent = "sent", Failed = "failed", Skipped = "skipped" }
}

/// A send row claimed by one job run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingSend {
    pub id: i64,
    pub kind: String,
    pub user_id: i64,
    pub template_id: String,
    pub appointment_id: Option<i64>,
    pub waitlist_entry_id: Option<i64>,
    pub reservation_id: Option<i64>,
    /// The claim this run holds; updates that do not match it change nothing.
    pub claimed_at: DateTime<Utc>,
    /// The user's openid in the app asked for at claim time (`None`: not bound, or none asked).
    pub openid: Option<String>,
    /// Whether the appointment, waitlist entry or reservation was cancelled when claimed.
    pub target_cancelled: bool,
}

/// What claiming found.
pub type Claimed = crate::claim::Claim<PendingSend>;

/// Reading and updating send rows.
#[derive(Debug)]
pub struct SendLog;

impl SendLog {
    /// Claims a pending row, or one whose claim is older than `timeout` (its run died). The same
    /// round trip reads what the run decides on first: the user's openid in `appid` and whether
    /// the message's appointment, waitlist entry or reservation is cancelled.
    ///
    /// A statement of its own, not [`SendLog::claim_many`] of one id: with an array of ids,
    /// PostgreSQL plans every call anew for the array's length (0.35 ms of planning per send in
    /// `scripts/bench appointments`); this one keeps one cached plan. The two differ only in
    /// `WHERE`.
    pub async fn claim(conn: &mut PgConnection, id: i64, attempt: u32, timeout: Duration, appid: Option<&str>) -> sqlx::Result<Claimed> {
        let secs = timeout.as_secs_f64();
        let claimed = sqlx::query_as!(
            PendingSend,
            r#"UPDATE subscribe_sends x SET status = 'sending', claimed_at = clock_timestamp(), claim_attempt = $2, updated_at = now()
                WHERE id = $1 AND (status = 'pending' OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $3)))
               RETURNING id, kind, user_id, template_id, appointment_id, waitlist_entry_id, reservation_id, claimed_at AS "claimed_at!",
                         (SELECT w.openid FROM wechat_identities w WHERE w.user_id = x.user_id AND w.appid = $4) AS openid,
                         COALESCE((SELECT r.status = 'cancelled' FROM room_reservations r WHERE r.id = x.reservation_id),
                                  (SELECT a.status = 'cancelled' FROM appointments a WHERE a.id = x.appointment_id),
                                  (SELECT e.status = 'cancelled' FROM waitlist_entries e WHERE e.id = x.waitlist_entry_id),
                                  false) AS "target_cancelled!""#,
            id,
            i32::try_from(attempt).unwrap_or(i32::MAX),
            secs,
            appid
        )
        .fetch_optional(&mut *conn)
        .await?;
        match claimed {
            Some(send) => Ok(Claimed::Mine(send)),
            None => crate::claim::not_claimed(conn, crate::claim::ClaimTable::SubscribeSends, id, timeout).await,
        }
    }

    /// As [`SendLog::claim`], every claimable row of `ids` in one statement, each with its run's
    /// attempt (`attempts[i]` for `ids[i]`; `ids` sorted and each once: rows are locked in id
    /// order, so two runs claiming overlapping sets cannot deadlock); the rows not returned are
    /// final or held by a live run ([`SendLog::busy_until`]).
    pub async fn claim_many(conn: &mut PgConnection, ids: &[i64], attempts: &[u32], timeout: Duration, appid: Option<&str>) -> sqlx::Result<Vec<PendingSend>> {
        let secs = timeout.as_secs_f64();
        let attempts: Vec<i32> = attempts.iter().map(|a| i32::try_from(*a).unwrap_or(i32::MAX)).collect();
        sqlx::query_as!(
            PendingSend,
            r#"UPDATE subscribe_sends x SET status = 'sending', claimed_at = clock_timestamp(),
                      claim_attempt = ($2::INT[])[array_position($1::BIGINT[], x.id)], updated_at = now()
                WHERE id = ANY($1) AND (status = 'pending' OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $3)))
               RETURNING id, kind, user_id, template_id, appointment_id, waitlist_entry_id, reservation_id, claimed_at AS "claimed_at!",
                         (SELECT w.openid FROM wechat_identities w WHERE w.user_id = x.user_id AND w.appid = $4) AS openid,
                         COALESCE((SELECT r.status = 'cancelled' FROM room_reservations r WHERE r.id = x.reservation_id),
                                  (SELECT a.status = 'cancelled' FROM appointments a WHERE a.id = x.appointment_id),
                                  (SELECT e.status = 'cancelled' FROM waitlist_entries e WHERE e.id = x.waitlist_entry_id),
                                  false) AS "target_cancelled!""#,
            ids,
            &attempts,
            secs,
            appid
        )
        .fetch_all(&mut *conn)
        .await
    }

    /// When the last live claim among `ids` counts as dead (`timeout` after it was taken), if
    /// any of them is held by a run.
    pub async fn busy_until(conn: &mut PgConnection, ids: &[i64], timeout: Duration) -> sqlx::Result<Option<DateTime<Utc>>> {
        let latest = sqlx::query_scalar!("SELECT max(claimed_at) FROM subscribe_sends WHERE id = ANY($1) AND status = 'sending'", ids)
            .fetch_one(conn)
            .await?;
        Ok(latest.map(|at| at + chrono::Duration::from_std(timeout).unwrap_or_default()))
    }

    /// Gives the row back (`pending`) for a later run; `failure` records a WeChat call that failed.
    pub async fn release(conn: &mut PgConnection, send: &PendingSend, failure: Option<(Option<i64>, &str)>) -> sqlx::Result<()> {
        let (called, errcode, error) = match failure {
            Some((code, text)) => (true, code, Some(text)),
            None => (false, None, None),
        };
        sqlx::query!(
            "UPDATE subscribe_sends SET status = 'pending', claimed_at = NULL, claim_attempt = NULL, updated_at = now(),
                    attempts = attempts + ($3::BOOL)::INT, errcode = CASE WHEN $3 THEN $4 ELSE errcode END,
                    error = CASE WHEN $3 THEN left($5, 500) ELSE error END
              WHERE id = $1 AND status = 'sending' AND claimed_at = $2",
            send.id,
            send.claimed_at,
            called,
            errcode.and_then(|c| i32::try_from(c).ok()),
            error
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Records a send that WeChat accepted, with the openid and `data` it went with; a row whose
    /// claim is no longer this one is left as it is. One row's statement, planned once (as
    /// [`SendLog::claim`] is, beside [`SendLog::sent_many`]).
    pub async fn sent(conn: &mut PgConnection, send: &PendingSend, openid: &str, data: &serde_json::Value) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE subscribe_sends SET status = 'sent', openid = $3, data = $4, attempts = attempts + 1,
                    errcode = NULL, error = NULL, sent_at = now(), updated_at = now()
              WHERE id = $1 AND status = 'sending' AND claimed_at = $2",
            send.id,
            send.claimed_at,
            openid,
            data
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Records sends that WeChat accepted, each with the openid and `data` it went with, in one
    /// statement; a row whose claim is no longer the one given is left as it is.
    pub async fn sent_many(conn: &mut PgConnection, sent: &[(&PendingSend, &str, serde_json::Value)]) -> sqlx::Result<()> {
        if sent.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = sent.iter().map(|(s, _, _)| s.id).collect();
        let claims: Vec<DateTime<Utc>> = sent.iter().map(|(s, _, _)| s.claimed_at).collect();
        let openids: Vec<&str> = sent.iter().map(|(_, o, _)| *o).collect();
        let data: Vec<serde_json::Value> = sent.iter().map(|(_, _, d)| d.clone()).collect();
        sqlx::query!(
            "UPDATE subscribe_sends x SET status = 'sent', openid = u.openid, data = u.data, attempts = attempts + 1,
                    errcode = NULL, error = NULL, sent_at = now(), updated_at = now()
               FROM UNNEST($1::BIGINT[], $2::TIMESTAMPTZ[], $3::TEXT[], $4::JSONB[]) AS u(id, claimed_at, openid, data)
              WHERE x.id = u.id AND x.status = 'sending' AND x.claimed_at = u.claimed_at",
            &ids,
            &claims,
            &openids as &[&str],
            &data
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Gives rows back (`pending`) that this run claimed and did not get to (no call made).
    pub async fn release_many(conn: &mut PgConnection, sends: &[PendingSend]) -> sqlx::Result<()> {
        if sends.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = sends.iter().map(|s| s.id).collect();
        let claims: Vec<DateTime<Utc>> = sends.iter().map(|s| s.claimed_at).collect();
        sqlx::query!(
            "UPDATE subscribe_sends x SET status = 'pending', claimed_at = NULL, claim_attempt = NULL, updated_at = now()
               FROM UNNEST($1::BIGINT[], $2::TIMESTAMPTZ[]) AS u(id, claimed_at)
              WHERE x.id = u.id AND x.status = 'sending' AND x.claimed_at = u.claimed_at",
            &ids,
            &claims
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// A final state other than sent: `failed` (WeChat refused) or `skipped` (nothing to send, with
    /// the reason). `called` counts a WeChat call in `attempts`.
    pub async fn finish(
        conn: &mut PgConnection,
        send: &PendingSend,
        status: SendStatus,
        errcode: Option<i64>,
        error: &str,
        called: bool,
    ) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE subscribe_sends SET status = $3, errcode = $4, error = left($5, 500), attempts = attempts + ($6::BOOL)::INT,
                    updated_at = now()
              WHERE id = $1 AND status = 'sending' AND claimed_at = $2",
            send.id,
            send.claimed_at,
            status.as_str(),
            errcode.and_then(|c| i32::try_from(c).ok()),
            error,
            called
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Finishes the row as `skipped` when its message no longer applied when it was claimed (its
    /// appointment, waitlist entry or reservation was cancelled); true if so. No connection taken
    /// unless so.
    pub async fn skip_if_cancelled_at_claim(db: &sqlx::PgPool, send: &PendingSend) -> sqlx::Result<bool> {
        let Some(target) = send.target().filter(|_| send.target_cancelled && !tells_of_cancel(send)) else {
            return Ok(false);
        };
        Self::skip(&mut *db.acquire().await?, send, target.cancelled()).await?;
        Ok(true)
    }

    /// Finishes the row as `skipped`, with the reason, when its message no longer applies (its
    /// appointment, waitlist entry or reservation was cancelled); true if so. The row is read
    /// `FOR SHARE`: a cancel or reschedule in flight commits first, and what follows (the text)
    /// is read after it. A `cancelled` message is about the cancel itself and always applies.
    pub async fn skip_if_no_longer_applies(conn: &mut PgConnection, send: &PendingSend) -> sqlx::Result<bool> {
        let Some(target) = send.target().filter(|_| !tells_of_cancel(send)) else {
            return Ok(false);
        };
        let cancelled = match target {
            Target::Reservation(id) => {
                let status = sqlx::query_scalar!(r#"SELECT status AS "status: ReservationStatus" FROM room_reservations WHERE id = $1 FOR SHARE"#, id)
                    .fetch_optional(&mut *conn)
                    .await?;
                status == Some(ReservationStatus::Cancelled)
            }
            Target::Appointment(id) => {
                let status = sqlx::query_scalar!(r#"SELECT status AS "status: AppointmentStatus" FROM appointments WHERE id = $1 FOR SHARE"#, id)
                    .fetch_optional(&mut *conn)
                    .await?;
                status == Some(AppointmentStatus::Cancelled)
            }
            Target::WaitlistEntry(id) => {
                let status = sqlx::query_scalar!(r#"SELECT status AS "status: WaitlistStatus" FROM waitlist_entries WHERE id = $1 FOR SHARE"#, id)
                    .fetch_optional(&mut *conn)
                    .await?;
                status == Some(WaitlistStatus::Cancelled)
            }
        };
        if !cancelled {
            return Ok(false);
        }
        Self::skip(conn, send, target.cancelled()).await?;
        Ok(true)
    }

    async fn skip(conn: &mut PgConnection, send: &PendingSend, reason: &str) -> sqlx::Result<()> {
        Self::finish(conn, send, SendStatus::Skipped, None, reason, false).await?;
        tracing::info!(send.id = send.id, reason, "subscribe message skipped");
        Ok(())
    }
}

/// A `cancelled` message is about the cancel itself: it applies however its target ends.
fn tells_of_cancel(send: &PendingSend) -> bool {
    super::MessageKind::parse(&send.kind).is_some_and(super::MessageKind::tells_of_cancel)
}

/// What a send is about, as its row names it: a reservation first, then an appointment, then a
/// waitlist entry (the claim reads `target_cancelled` in the same order).
#[derive(Debug, Clone, Copy)]
enum Target {
    Reservation(i64),
    Appointment(i64),
    WaitlistEntry(i64),
}

impl Target {
    /// The skipped row's reason when this was cancelled.
    fn cancelled(self) -> &'static str {
        match self {
            Self::Reservation(_) => "the reservation was cancelled",
            Self::Appointment(_) => "the appointment was cancelled",
            Self::WaitlistEntry(_) => "the waitlist entry was cancelled",
        }
    }
}

impl PendingSend {
    /// Whether the message is about an appointment (not a reservation, not a waitlist entry), as
    /// [`SendLog::skip_if_no_longer_applies`] reads the row.
    pub fn about_appointment(&self) -> bool {
        matches!(self.target(), Some(Target::Appointment(_)))
    }

    fn target(&self) -> Option<Target> {
        match (self.appointment_id, self.waitlist_entry_id, self.reservation_id) {
            (_, _, Some(id)) => Some(Target::Reservation(id)),
            (Some(id), _, None) => Some(Target::Appointment(id)),
            (None, Some(id), None) => Some(Target::WaitlistEntry(id)),
            (None, None, None) => None,
        }
    }
}
