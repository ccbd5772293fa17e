//! Seed 002's admin actions behind both the JSON routes (`/admin/meetingrooms/…`,
//! `/admin/reservations/…`, `/admin/repairs/…`, `/admin/guides/…`) and the console's college
//! pages: the checks (422 naming each bad field by its JSON name) and the writes, with the
//! notices they plan, so a form refuses what the JSON route refuses and writes the same rows.

pub mod activities;
pub mod clockins;
pub mod guides;
pub mod records;
pub mod repairs;
pub mod reservations;
pub mod rooms;

use chrono::{DateTime, FixedOffset, TimeDelta};
use yizhan_common::college::reservations::Period;

use crate::error::FieldErrors;

/// Seed 002's `time_from`/`time_to` range (the free-room search, the conflict query): both
/// required, `time_to` after `time_from` and at most `max_days` later. `None` when a check failed
/// (each named in `errors`).
pub fn time_range(errors: &mut FieldErrors, from: Option<DateTime<FixedOffset>>, to: Option<DateTime<FixedOffset>>, max_days: i64) -> Option<Period> {
    errors.check(from.is_none(), "time_from", "is required");
    errors.check(to.is_none(), "time_to", "is required");
    let (from, to) = (from?, to?);
    errors.check(to <= from, "time_to", "must be after time_from");
    errors.check(to - from > TimeDelta::days(max_days), "time_to", &format!("the range is at most {max_days} days"));
    (to > from && to - from <= TimeDelta::days(max_days)).then(|| Period { from: from.to_utc(), to: to.to_utc() })
}
