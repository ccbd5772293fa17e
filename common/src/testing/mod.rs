//! The one test harness every crate's tests use (enabled by the `testing` feature):
//!
//! - [`stores`]: where PostgreSQL and Redis are (`DATABASE_URL`, `REDIS_URL`), and a clear
//!   message instead of a pool timeout when they are not set or not reachable;
//! - [`database`]: a fresh, migrated database per test, copied from a template built once;
//! - [`RedisPrefix`]: a Redis key prefix per test, deleted when the test ends;
//! - [`eventually`]: the one way to wait for something another task or process does;
//! - [`enqueued`] / [`assert_enqueued`]: the jobs a test's actions wrote to the outbox, decoded as
//!   their kind;
//! - [`MotoBucket`]: a bucket of one's own on moto's S3 (`TEST_S3_ENDPOINT`);
//! - [`office`] and [`form`]: Word/Excel/PowerPoint containers (ZIPs) and `multipart/form-data`
//!   bodies made by hand, for upload tests.
//!
//! Draining the queues in-process (`run_pending_jobs`) lives in `yizhan_worker::drain`, next to
//! the worker it runs. `scripts/test` starts throwaway stores and sets both URLs; a plain
//! `cargo test` works too when they point at running servers.

mod database;
mod eventually;
pub mod form;
mod moto;
pub mod office;
mod outbox;
mod redis_prefix;
pub mod stores;

pub use database::{database, empty_database};
pub use eventually::{eventually, Settled};
pub use moto::MotoBucket;
pub use outbox::{assert_enqueued, enqueued};
pub use redis_prefix::RedisPrefix;
pub use stores::{database_url, redis_url};
