//! One-time subscribe messages (seed 001, and seed 002's reservation notices): the optional `wxCode` / `subscribeAuthResult` /
//! `subscribeScene` fields a business request carries, the grant ledger they feed, and the send
//! log row planned with the business change. A send spends one grant; no grant, no send.

mod coalesced;
mod exchanges;
mod grants;
mod input;
mod kind;
pub mod log;
mod plan;
mod promoted;
pub mod render;
mod reminders;
mod sends;

pub use coalesced::{ClaimCall, SendStatements, SentCall};
pub use exchanges::{awaits_exchange, ExchangeStatus, exchange_pending, finish_exchange, plan_exchange, EXCHANGE_BOUND, EXCHANGE_POLL};
pub use grants::{record_decisions, unspent_grants, Decision};
pub use input::SubscribeInput;
pub use kind::{MessageKind, Subject, TemplateConfig};
pub use plan::{plan_send, planned_before, PlannedSend, SendTarget};
pub use promoted::plan_promoted;
pub use reminders::{plan_reminder, plan_reminder_batch, planning_ran, ReminderBatch, remind_if_planning_ran, reminder_occasion, REMINDER_PLANNING_HOUR};
pub use sends::{Claimed, PendingSend, SendLog, SendStatus};
