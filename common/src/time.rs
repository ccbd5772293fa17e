//! Timestamps: stored in UTC, shown as ISO 8601 with the service time zone's offset.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

/// Now, injectable: the wall clock in production, a set moment in tests (so a test stands at
/// 20:00 whatever the hour it runs at).
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// The wall-clock date and time at [`Clock::now`] in the service time zone.
    fn local_now(&self) -> chrono::NaiveDateTime {
        local(self.now()).naive_local()
    }
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (tests, drills).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

static SERVICE_TZ: OnceLock<Tz> = OnceLock::new();

/// Sets the service time zone once at start-up; later calls keep the first value.
pub fn set_service_tz(tz: Tz) {
    let _ = SERVICE_TZ.set(tz);
}

/// The service time zone (`Asia/Shanghai` unless configured).
pub fn service_tz() -> Tz {
    *SERVICE_TZ.get().unwrap_or(&chrono_tz::Asia::Shanghai)
}

/// A UTC instant as the service zone sees it, with its offset (`2020-02-22T17:02:00+08:00`).
pub fn local(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&service_tz()).fixed_offset()
}

/// Today's date in the service time zone.
pub fn today() -> chrono::NaiveDate {
    local(Utc::now()).date_naive()
}

/// The wall-clock date and time now in the service time zone (the process clock).
pub fn local_now() -> chrono::NaiveDateTime {
    local(Utc::now()).naive_local()
}

/// `2020-02-22T17:02:00+08:00`: a UTC instant as text in the service time zone.
pub fn format_local(at: DateTime<Utc>) -> String {
    local(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Serde helper: `#[serde(serialize_with = "time::serialize_local")]` on a `DateTime<Utc>` field.
pub fn serialize_local<S: serde::Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_local(*at))
}

/// Serde helper for optional timestamps.
pub fn serialize_local_opt<S: serde::Serializer>(
    at: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize_local(at, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_shanghai_offset() {
        let at: DateTime<Utc> = "2020-02-22T09:02:00Z".parse().expect("valid");
        assert_eq!(local(at).to_rfc3339(), "2020-02-22T17:02:00+08:00");
    }
}
