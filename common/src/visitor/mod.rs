//! Seed 003, visitor appointments: H5 users' WeChat profiles and phone bindings (SMS codes),
//! staff confirmed by Koala, visit applications, and what they set off (per-person, per-channel
//! notices; Koala visitor subjects once authorized). The routes live in `api/src/routes/visitor/`.

pub mod applications;
pub mod bindings;
pub mod codes;
mod config;
pub mod notices;
pub mod plan;
pub mod staff;

pub use applications::{Applicant, Application, NewApplication, Person, VisitStatus};
pub use config::VisitorConfig;
pub use notices::{Channels, NoticeEvent};
