//! Aliyun SMS (`SendSms`): signing (v3 by default, v1 selectable), the client, the map from reply
//! codes to job outcomes, mainland number validation, and the send log. The `send_sms` job lives
//! in `jobs/kinds/send_sms.rs`.

mod client;
mod config;
mod log;
mod outcome;
mod phone;
mod plan;
pub mod sign;

pub use client::{SmsClient, SmsError, SmsReceipt, SmsRequest, ACTION, API_VERSION};
pub use config::{SignatureVersion, SmsConfig, DEFAULT_ENDPOINT};
pub use log::{ClaimedSms, SmsClaim, SmsLog, SmsStatus};
pub use outcome::{classify, flow_control_until, SmsFailure};
pub use phone::normalize_mainland_mobile;
pub use plan::{plan_sms, PlanSmsError, PlannedSms};
