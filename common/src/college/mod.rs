//! Seed 002 (college staff services): the contact book and colleagues, repairs, meeting rooms,
//! reservations and their single-consumer decisions, service guides, activities and check-in.

pub mod activities;
pub mod contacts;
pub mod guides;
pub mod repairs;
pub mod reservations;
pub mod rooms;

/// `term` as a `LIKE` pattern matching it anywhere, case-insensitively (`%`, `_` and `\` in the
/// term match themselves); compare it with `lower(…)`.
pub fn contains_pattern(term: &str) -> String {
    let escaped = term.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}
