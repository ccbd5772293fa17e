//! A failed WeChat call as a job outcome: the errcode class decides what the pipeline does.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};

use super::WechatError;
use crate::jobs::Outcome;
use crate::wechat::errcode::ErrClass;

/// WeChat's daily quotas reset at midnight Beijing time.
const QUOTA_TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// The start of the minute after `now` (a per-minute limit has passed by then).
fn next_minute(now: DateTime<Utc>) -> DateTime<Utc> {
    let floor = now.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(now);
    floor + Duration::minutes(1)
}

/// The next midnight in Beijing (when daily quotas reset).
fn next_quota_reset(now: DateTime<Utc>) -> DateTime<Utc> {
    let local = now.with_timezone(&QUOTA_TZ);
    let tomorrow = local.date_naive().succ_opt().unwrap_or(local.date_naive());
    let midnight = QUOTA_TZ.with_ymd_and_hms(tomorrow.year(), tomorrow.month(), tomorrow.day(), 0, 0, 0);
    midnight.single().map_or(now + Duration::days(1), |t| t.with_timezone(&Utc))
}

/// What the pipeline does with `err`, judged at `now`.
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

/// `?` on a WeChat call inside a job's `run`.
impl From<WechatError> for Outcome {
    fn from(err: WechatError) -> Self {
        outcome_at(&err, Utc::now())
    }
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
}
