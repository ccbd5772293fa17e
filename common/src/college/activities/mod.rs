//! 活动 (seed 002 §5): activities with an enrollment form admins design, enrollments (报名),
//! check-in items (打卡项) with their rotating QR tokens, and the filter language of the
//! enrollment records (报名记录).
//!
//! # Why the form is a JSONB column
//!
//! `activities.form` holds the ordered fields as one JSON array ([`form::FormField`]) rather
//! than a table of fields, because the form is only ever used whole: `GET /activities/{id}`
//! returns it with the activity, `PATCH` replaces it, and an enrollment is checked against all
//! of it at once. The array keeps the admin's order without a position column to renumber, a
//! change is one `UPDATE` of the row that also holds the activity (so the rule "only additive
//! changes after the first enrollment" compares two arrays in one transaction), and a table
//! would not buy integrity for the answers anyway: they are `{fieldId: value}` JSONB, checked in
//! Rust against the form. Nothing queries single fields in SQL. The `CHECK` keeps it an array of
//! bounded length.

pub mod activity;
pub mod answers;
pub mod checkin_token;
pub mod clockins;
pub mod enrollments;
pub mod filter;
pub mod form;
pub mod items;
pub mod records;

#[cfg(test)]
mod bench;
#[cfg(test)]
mod tests;
