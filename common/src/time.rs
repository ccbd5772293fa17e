//! Timestamps: stored in UTC, shown as ISO 8601 with the service time zone's offset.

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

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
