//! Seed 004, student–counselor notices on the Official Account. Part 1 (issue 16): the people
//! notices go to — counselors, the classes they look after, students, and groups of students with
//! a role each — the CSV import of students, and binding followers to students. The routes live in `api/src/routes/notices/`.

pub mod attachments;
pub mod audience;
#[cfg(test)]
mod bench;
pub mod bind_codes;
pub mod bindings;
pub mod broadcasts;
pub mod categories;
pub mod classes;
pub mod comments;
mod config;
pub mod counselors;
pub mod csv;
pub mod desk;
pub mod directory;
pub mod groups;
pub mod import;
pub mod locations;
pub mod mass;
pub mod meetings;
pub mod notify;
pub mod receipts;
pub mod replies;
pub mod rich_text;
pub mod reminders;
pub mod search;
mod scope;
pub mod send;
pub mod settings;
pub mod stats;
pub mod students;
pub mod tags;
pub mod votes;

pub use config::NoticesConfig;
pub use scope::{counselor_of, Scope};
