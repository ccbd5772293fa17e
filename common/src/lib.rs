//! Domain code, storage, jobs and external clients shared by the Yizhan processes.

pub mod auth;
pub mod config;
pub mod db;
pub mod mask;
pub mod redis_conn;
pub mod redis_durability;
pub mod shutdown;
pub mod telemetry;
pub mod time;
pub mod users;
pub mod wechat;
pub mod jobs;
pub mod lease;
pub mod metrics;
pub mod outbox;
pub mod ratelimit;
pub mod hospital;
pub mod subscribe;
pub mod follow;
pub mod sms;
pub mod mail;
pub mod queue;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
