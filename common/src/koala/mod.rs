//! Koala (Megvii face-recognition access control): the session-login client, its operations
//! (staff lookups, visit purposes, visitor subjects), the visitor log (`koala_visitors`) and the
//! planning of visitor creation. The `create_koala_visitor` job lives in
//! `jobs/kinds/create_koala_visitor.rs`.

mod client;
mod config;
mod envelope;
mod plan;
mod types;
mod visitors;

pub use client::{KoalaClient, USER_AGENT, WAIT_BUDGET, WAIT_CALL_TIMEOUT};
pub use config::KoalaConfig;
pub use envelope::{parse, Envelope, Failure, KoalaError, Page, SESSION_EXPIRED_CODE};
pub use plan::{plan_koala_visitor, PlannedVisitor};
pub use types::{NewVisitor, Purpose, Staff, Subject};
pub use visitors::{ClaimedVisitor, KoalaVisitors, VisitorClaim, VisitorStatus};
