//! What a failed WeChat call means for the job that made it: one mapping from the errcode class.

use chrono::{DateTime, Duration, Utc};

use super::client::WechatError;
use super::errcode::ErrClass;
use crate::jobs::Outcome;

/// The pipeline outcome of a failed call. `AlreadyDone` (e.g. 45065) is success.
pub fn outcome_of(err: &WechatError) -> Outcome {
    match err.class() {
        ErrClass::Transient => Outcome::transient(err),
        ErrClass::RateLimited => Outcome::RateLimited { until: next_minute(Utc::now()) },
        ErrClass::Quota => Outcome::QuotaExhausted { until: next_local_midnight(Utc::now()) },
        ErrClass::TokenInvalid => Outcome::TokenInvalid,
        ErrClass::Permanent => Outcome::permanent(err),
        ErrClass::AlreadyDone => Outcome::Done,
    }
}

fn next_minute(now: DateTime<Utc>) -> DateTime<Utc> {
    let secs = now.timestamp();
    DateTime::from_timestamp(secs - secs.rem_euclid(60) + 60, 0).unwrap_or(now + Duration::seconds(60))
}

/// WeChat's daily quotas reset at midnight Beijing time (the service zone by default).
fn next_local_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let tz = crate::time::service_tz();
    let tomorrow = now.with_timezone(&tz).date_naive() + Duration::days(1);
    tomorrow
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now + Duration::hours(24))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(errcode: i64) -> WechatError {
        WechatError::Api { op: "test", errcode, errmsg: "x".into(), class: crate::wechat::errcode::classify(errcode) }
    }

    #[test]
    fn classes_become_outcomes() {
        assert!(matches!(outcome_of(&api(-1)), Outcome::Transient { .. }));
        assert!(matches!(outcome_of(&api(45011)), Outcome::RateLimited { .. }));
        assert!(matches!(outcome_of(&api(45009)), Outcome::QuotaExhausted { .. }));
        assert!(matches!(outcome_of(&api(43101)), Outcome::Permanent { .. }));
        assert_eq!(outcome_of(&api(45065)), Outcome::Done);
        assert_eq!(outcome_of(&api(40001)), Outcome::TokenInvalid);
    }

    #[test]
    fn quota_parks_until_midnight_in_shanghai() {
        let now: DateTime<Utc> = "2026-11-23T17:30:00Z".parse().expect("time");
        assert_eq!(next_local_midnight(now).to_rfc3339(), "2026-11-24T16:00:00+00:00");
        assert_eq!(next_minute(now).to_rfc3339(), "2026-11-23T17:31:00+00:00");
    }
}
