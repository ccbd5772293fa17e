//! The SMS send log (`sms_sends`). A run claims its row (`pending → sending`, with the claim's time
//! and attempt) before calling SendSms, so a job delivered twice sends once; every later update is
//! guarded by that claim.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

crate::text_enum! {
    /// `sms_sends.status`.
    pub enum SmsStatus { Pending = "pending", Sending = "sending", Sent = "sent", Failed = "failed", Unknown = "unknown" }
}

/// A send row claimed by one job run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedSms {
    pub id: i64,
    pub kind: String,
    pub phone: String,
    pub params: serde_json::Value,
    pub claimed_at: DateTime<Utc>,
}

/// What claiming found.
#[derive(Debug)]
pub enum SmsClaim {
    Mine(ClaimedSms),
    /// Another live run holds it until `until`.
    Busy { until: DateTime<Utc> },
    /// Gone, final, or `unknown` (left to an operator): nothing to do.
    Finished,
    /// A dead run's claim that had already called SendSms: now `unknown` (never resent by itself).
    Lost,
}

/// Reading and updating `sms_sends`.
#[derive(Debug)]
pub struct SmsLog;

impl SmsLog {
    /// Claims a pending row, or one whose claim is older than `timeout` if that run died before
    /// calling SendSms (`called_at` unset); one that died during the call turns `unknown`.
    pub async fn claim(conn: &mut PgConnection, id: i64, attempt: u32, timeout: Duration) -> sqlx::Result<SmsClaim> {
        let claimed = sqlx::query_as!(
            ClaimedSms,
            r#"UPDATE sms_sends SET status = 'sending', claimed_at = clock_timestamp(), claim_attempt = $2, called_at = NULL,
                    updated_at = now()
              WHERE id = $1 AND (status = 'pending'
                    OR (status = 'sending' AND called_at IS NULL AND claimed_at < now() - make_interval(secs => $3)))
             RETURNING id, kind, phone, params, claimed_at AS "claimed_at!""#,
            id,
            i32::try_from(attempt).unwrap_or(i32::MAX),
            timeout.as_secs_f64()
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(sms) = claimed {
            return Ok(SmsClaim::Mine(sms));
        }
        let lost = sqlx::query_scalar!(
            "UPDATE sms_sends SET status = 'unknown', claimed_at = NULL, attempts = attempts + 1, updated_at = now(),
                    error = 'the worker stopped during the SendSms call: sent or not is unknown'
              WHERE id = $1 AND status = 'sending' AND called_at IS NOT NULL AND claimed_at < now() - make_interval(secs => $2)
             RETURNING id",
            id,
            timeout.as_secs_f64()
        )
        .fetch_optional(&mut *conn)
        .await?;
        if lost.is_some() {
            return Ok(SmsClaim::Lost);
        }
        Ok(match crate::claim::not_claimed::<()>(conn, crate::claim::ClaimTable::SmsSends, id, timeout).await? {
            crate::claim::Claim::Busy { until } => SmsClaim::Busy { until },
            _ => SmsClaim::Finished,
        })
    }

    /// Marks the claim as calling SendSms now (a run dying after this leaves the row `unknown`).
    pub async fn calling(conn: &mut PgConnection, sms: &ClaimedSms) -> sqlx::Result<bool> {
        let done = sqlx::query!(
            "UPDATE sms_sends SET called_at = clock_timestamp() WHERE id = $1 AND status = 'sending' AND claimed_at = $2",
            sms.id,
            sms.claimed_at
        )
        .execute(conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the row back (`pending`); `failure` (code, text) records a call that failed.
    pub async fn release(conn: &mut PgConnection, sms: &ClaimedSms, failure: Option<(&str, &str)>) -> sqlx::Result<()> {
        let called = failure.is_some();
        let (code, error) = failure.unzip();
        sqlx::query!(
            "UPDATE sms_sends SET status = 'pending', claimed_at = NULL, claim_attempt = NULL, called_at = NULL, updated_at = now(),
                    attempts = attempts + ($3::BOOL)::INT, code = CASE WHEN $3 THEN $4 ELSE code END,
                    error = CASE WHEN $3 THEN left($5, 500) ELSE error END
              WHERE id = $1 AND status = 'sending' AND claimed_at = $2",
            sms.id,
            sms.claimed_at,
            called,
            code,
            error
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn sent(
        conn: &mut PgConnection,
        sms: &ClaimedSms,
        template_code: &str,
        biz_id: Option<&str>,
        request_id: Option<&str>,
    ) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE sms_sends SET status = 'sent', code = 'OK', error = NULL, attempts = attempts + 1, template_code = $3,
                    biz_id = $4, request_id = $5, sent_at = now(), updated_at = now()
              WHERE id = $1 AND status = 'sending' AND claimed_at = $2",
            sms.id,
            sms.claimed_at,
            template_code,
            biz_id,
            request_id
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// A final state other than sent: `failed` (refused for good) or `unknown` (sent, answer
    /// lost). `called` counts a SendSms call in `attempts`.
    pub async fn finish(
        conn: &mut PgConnection,
        sms: &ClaimedSms,
        status: SmsStatus,
        code: Option<&str>,
        error: &str,
        called: bool,
    ) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE sms_sends SET status = $3, code = $4, error = left($5, 500), attempts = attempts + ($6::BOOL)::INT,
                    updated_at = now()
              WHERE id = $1 AND status = 'sending' AND claimed_at = $2",
            sms.id,
            sms.claimed_at,
            status.as_str(),
            code,
            error,
            called
        )
        .execute(conn)
        .await?;
        Ok(())
    }
}
