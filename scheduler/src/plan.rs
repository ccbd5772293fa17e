//! What a tick does for one schedule, as a pure function of the last handled fire time, now and
//! the catch-up window. No database, no clock: easy to test at any hour.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// At most this many firings are looked at per scan (a one-second schedule after a long outage).
const MAX_SCAN: usize = 10_000;

/// The decision for one schedule at one tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The firing to enqueue now: the newest due one, if it is within the catch-up window.
    pub fire: Option<DateTime<Utc>>,
    /// Older due firings within the window, folded into `fire` (a late scheduler fires once).
    pub coalesced: usize,
    /// Due firings older than the window, dropped with a warning.
    pub skipped: usize,
    /// The newest due fire time, the new high-water mark; `None` when nothing was due.
    pub handled_up_to: Option<DateTime<Utc>>,
}

/// Due firings are those after `last` up to and including `now`, in the time zone `tz`.
/// Both scans are bounded, so a long outage of a one-second schedule costs one short tick.
pub fn plan(schedule: &cron::Schedule, tz: Tz, last: DateTime<Utc>, now: DateTime<Utc>, catchup: Duration) -> Plan {
    let window_start = now - catchup;
    let just_before_window = window_start - Duration::nanoseconds(1);
    let mut plan = Plan { fire: None, coalesced: 0, skipped: 0, handled_up_to: None };
    // Older than the window: counted (up to MAX_SCAN), never fired.
    for at in schedule.after(&last.with_timezone(&tz)) {
        let at = at.with_timezone(&Utc);
        if at >= window_start || at > now {
            break;
        }
        plan.skipped += 1;
        plan.handled_up_to = Some(at);
        if plan.skipped >= MAX_SCAN {
            plan.handled_up_to = Some(just_before_window);
            break;
        }
    }
    // Within the window: the newest fires, the others fold into it.
    let scan_from = last.max(just_before_window);
    let mut in_window = 0usize;
    for at in schedule.after(&scan_from.with_timezone(&tz)).take(MAX_SCAN) {
        let at = at.with_timezone(&Utc);
        if at > now {
            break;
        }
        in_window += 1;
        plan.fire = Some(at);
        plan.handled_up_to = Some(at);
    }
    plan.coalesced = in_window.saturating_sub(1);
    plan
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("valid time")
    }

    fn eight_pm() -> cron::Schedule {
        cron::Schedule::from_str("0 0 20 * * *").expect("valid")
    }

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn twenty_hundred_in_shanghai_is_noon_utc() {
        let p = plan(&eight_pm(), SHANGHAI, utc("2026-11-23T11:00:00Z"), utc("2026-11-23T12:00:00Z"), Duration::hours(1));
        assert_eq!(p.fire, Some(utc("2026-11-23T12:00:00Z")));
        let p = plan(&eight_pm(), chrono_tz::UTC, utc("2026-11-23T11:00:00Z"), utc("2026-11-23T12:00:00Z"), Duration::hours(1));
        assert_eq!(p.fire, None, "in UTC, 20:00 is still hours away");
    }

    #[test]
    fn nothing_due_before_the_fire_time() {
        let p = plan(&eight_pm(), SHANGHAI, utc("2026-11-23T11:59:00Z"), utc("2026-11-23T11:59:59Z"), Duration::hours(1));
        assert_eq!(p, Plan { fire: None, coalesced: 0, skipped: 0, handled_up_to: None });
    }

    #[test]
    fn a_late_restart_inside_the_window_fires_once() {
        let p = plan(&eight_pm(), SHANGHAI, utc("2026-11-23T11:58:00Z"), utc("2026-11-23T12:03:00Z"), Duration::hours(1));
        assert_eq!(p.fire, Some(utc("2026-11-23T12:00:00Z")));
        let again = plan(&eight_pm(), SHANGHAI, p.handled_up_to.expect("handled"), utc("2026-11-23T12:03:01Z"), Duration::hours(1));
        assert_eq!(again.fire, None);
    }

    #[test]
    fn firings_outside_the_window_are_skipped() {
        let p = plan(&eight_pm(), SHANGHAI, utc("2026-11-23T11:58:00Z"), utc("2026-11-23T13:30:00Z"), Duration::hours(1));
        assert_eq!((p.fire, p.skipped), (None, 1));
        assert_eq!(p.handled_up_to, Some(utc("2026-11-23T12:00:00Z")));
    }

    #[test]
    fn many_missed_firings_coalesce_into_the_newest() {
        let every_minute = cron::Schedule::from_str("0 * * * * *").expect("valid");
        let p = plan(&every_minute, SHANGHAI, utc("2026-11-23T10:00:30Z"), utc("2026-11-23T12:00:30Z"), Duration::minutes(30));
        assert_eq!(p.fire, Some(utc("2026-11-23T12:00:00Z")));
        assert_eq!(p.coalesced, 29);
        assert_eq!(p.skipped, 90);
    }

    #[test]
    fn a_week_down_with_a_per_second_schedule_fires_once_at_once() {
        let every_second = cron::Schedule::from_str("* * * * * *").expect("valid");
        let last: DateTime<Utc> = "2026-11-16T12:00:00Z".parse().expect("valid");
        let now: DateTime<Utc> = "2026-11-23T12:00:00.5Z".parse().expect("valid");
        let p = plan(&every_second, chrono_tz::Asia::Shanghai, last, now, Duration::seconds(60));
        assert_eq!(p.fire, Some("2026-11-23T12:00:00Z".parse().expect("valid")));
        assert_eq!(p.coalesced, 59, "the window's 60 firings fold into one");
        assert_eq!(p.skipped, MAX_SCAN, "older ones are counted up to the bound");
        assert_eq!(p.handled_up_to, p.fire);
    }
}
