//! One-time subscribe messages (seed 001): the optional `wxCode` / `subscribeAuthResult` /
//! `subscribeScene` fields a business request carries, the grant ledger they feed, and the send
//! log row planned with the business change. A send spends one grant; no grant, no send.

mod grants;
mod input;
mod kind;
mod plan;
pub mod render;
mod sends;

pub use grants::{record_decisions, unspent_grants, Decision};
pub use input::SubscribeInput;
pub use kind::{MessageKind, TemplateConfig};
pub use plan::{plan_send, PlannedSend, SendTarget, SEND_JOB_KIND};
pub use sends::{PendingSend, SendLog};
