//! Domain code, storage, jobs and external clients shared by the Yizhan processes.
//!
//! # Layout
//!
//! The modules come in layers, listed here from the bottom up: a module imports only from its
//! own group and the groups above it in this file (`docs/architecture.md` draws the map). The
//! one exception: a domain names the job kinds it enqueues, which call back into it.

// Infrastructure: configuration, stores, telemetry, time, leases.
pub mod claim;
pub mod coalesce;
pub mod config;
pub mod db;
pub mod lease;
pub mod mask;
pub mod metrics;
pub mod redis_conn;
pub mod redis_durability;
pub mod redis_scan;
pub mod redis_target;
pub mod shutdown;
pub mod telemetry;
pub mod text_enum;
#[cfg(test)]
mod status_checks;
pub mod time;

// The job contract: `Job`, `Outcome`, `QueueName`, envelope, retry. A leaf: imports nothing above.
pub mod job_contract;

// The job pipeline: the transactional outbox and the Redis queue engine.
pub mod firings;
pub mod outbox;
pub mod queue;

// Clients of external services, and the global rate limits they share.
pub mod mail;
pub mod koala;
pub mod avatar;
pub mod ratelimit;
pub mod sms;
pub mod storage;
pub mod wechat;

// Domains: accounts, then each seed's business rules.
pub mod auth;
pub mod college;
pub mod follow;
pub mod hospital;
pub mod notices;
pub mod subscribe;
pub mod users;
pub mod visitor;

// Jobs: the kinds, their registry and run context, above everything they use.
pub mod jobs;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
