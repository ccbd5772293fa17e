//! What a failed WeChat call means for the job that made it: the one mapping from the errcode
//! class to a pipeline outcome.

use chrono::{DateTime, Duration, Utc};

use super::client::WechatError;
use super::errcode::ErrClass;
use crate::job_contract::Outcome;

/// WeChat's daily quotas reset at midnight Beijing time, whatever the service zone.
const QUOTA_TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// The pipeline outcome of a failed call, judged now. `AlreadyDone` (e.g. 45065) is success.
pub fn outcome_of(err: &WechatError) -> Outcome {
    outcome_at(err, Utc::now())
}

/// The pipeline outcome of a failed call, judged at `now`.
pub fn outcome_at(err: &WechatError, now: DateTime<Utc>) -> Outcome {
    match err.class() {
        ErrClass::Transient => Outcome::transient(err),
        ErrClass::RateLimited => Outcome::RateLimited { until: next_minute(now) },
        ErrClass::Quota => Outcome::QuotaExhausted { until: next_quota_reset(now) },
        ErrClass::TokenInvalid => Outcome::TokenInvalid,
        ErrClass::Permanent => Outcome::permanent(err),
        ErrClass::AlreadyDone => Outcome::Done,
    }
}

/// The start of the minute after `now` (a per-minute limit has passed by then).
fn next_minute(now: DateTime<Utc>) -> DateTime<Utc> {
    let secs = now.timestamp();
    DateTime::from_timestamp(secs - secs.rem_euclid(60) + 60, 0).unwrap_or(now + Duration::seconds(60))
}

/// The next midnight in Beijing, when WeChat's daily quotas reset.
fn next_quota_reset(now: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = now.with_timezone(&QUOTA_TZ).date_naive() + Duration::days(1);
    tomorrow
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(QUOTA_TZ).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now + Duration::hours(24))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).expect("time")
    }

    #[test]
    fn classes_become_outcomes() {
        let now = at("2026-11-23T15:59:42.5Z");
        let api = |code| WechatError::api("op", code, "m".into());
        assert_eq!(outcome_at(&api(45011), now), Outcome::RateLimited { until: at("2026-11-23T16:00:00Z") });
        // 15:59 UTC is 23:59 in Beijing: the quota resets a minute later.
        assert_eq!(outcome_at(&api(45009), now), Outcome::QuotaExhausted { until: at("2026-11-23T16:00:00Z") });
        let morning = at("2026-11-24T01:00:00Z");
        assert_eq!(outcome_at(&api(45009), morning), Outcome::QuotaExhausted { until: at("2026-11-24T16:00:00Z") });
        assert_eq!(outcome_at(&api(40001), now), Outcome::TokenInvalid);
        assert_eq!(outcome_at(&api(45065), now), Outcome::Done);
        assert!(matches!(outcome_at(&api(43101), now), Outcome::Permanent { error } if error.contains("43101")));
        assert!(matches!(outcome_at(&api(-1), now), Outcome::Transient { .. }));
        assert!(matches!(outcome_at(&WechatError::Invalid("data.thing1: is empty".into()), now), Outcome::Permanent { .. }));
    }

    #[test]
    fn minute_limits_end_at_the_next_minute() {
        assert_eq!(next_minute(at("2026-11-23T17:30:00Z")), at("2026-11-23T17:31:00Z"));
    }
}
