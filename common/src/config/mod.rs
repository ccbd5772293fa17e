//! Typed configuration, read once at start-up from the environment (and `.env`).
//!
//! Every variable is documented beside its field, in `.env.example` and in the README.

mod env;

use std::str::FromStr;
use std::time::Duration;

use chrono_tz::Tz;
use secrecy::SecretString;

pub use env::{load_dotenv, ConfigError, EnvReader};

use crate::redis_durability::DurabilityPolicy;

/// Settings every process shares: stores, logging and the service time zone.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// `DATABASE_URL`: PostgreSQL connection string (required; may hold a password).
    pub database_url: SecretString,
    /// `DATABASE_POOL_MAX`: most connections this process opens (default 10).
    pub database_pool_max: u32,
    /// `DATABASE_ACQUIRE_TIMEOUT_MS`: how long a request waits for a connection (default 5000).
    pub database_acquire_timeout: Duration,
    /// `REDIS_URL`: Redis connection string (required; may hold a password): `redis://…` for
    /// one server, `redis+cluster://host1:port1,host2:port2` for a Redis Cluster. With
    /// `REDIS_CLUSTER_NODES` (`host:port,…`) set, it holds the folded `redis+cluster://` form
    /// (see [`crate::redis_target`]).
    pub redis_url: SecretString,
    /// `REDIS_PREFIX`: prefix of every Redis key this deployment writes (default `yz`).
    pub redis_prefix: String,
    /// `LOG_FORMAT`: `json` (default, for production) or `pretty`.
    pub log_format: LogFormat,
    /// `RUST_LOG`: tracing filter (default `info`).
    pub rust_log: String,
    /// `SERVICE_TZ`: IANA time zone for schedules and timestamps (default `Asia/Shanghai`).
    pub service_tz: Tz,
    /// `YIZHAN_ENV` and `REDIS_PERSISTENCE_ACK`: what Redis must guarantee (see
    /// [`crate::redis_durability`]).
    pub redis_durability: DurabilityPolicy,
}

impl CoreConfig {
    pub fn read(env: &mut EnvReader) -> Option<Self> {
        let database_url = env.secret("DATABASE_URL");
        let database_pool_max = env.optional("DATABASE_POOL_MAX", 10u32);
        let acquire_ms = env.optional("DATABASE_ACQUIRE_TIMEOUT_MS", 5_000u64);
        let redis_url = env.secret("REDIS_URL");
        let redis_url = redis_url.and_then(|url| Self::redis_target(env, url));
        let redis_prefix = env.optional("REDIS_PREFIX", String::from("yz"));
        if redis_prefix.contains(['{', '}']) {
            // Braces would become the hash tag of every key (see docs/redis-keys.md).
            env.invalid("REDIS_PREFIX", "must not contain `{` or `}`");
        }
        let log_format = env.optional("LOG_FORMAT", LogFormat::Json);
        let rust_log = env.optional("RUST_LOG", String::from("info"));
        let service_tz = env.optional("SERVICE_TZ", chrono_tz::Asia::Shanghai);
        let redis_durability = DurabilityPolicy::read(env);
        if database_pool_max == 0 {
            env.invalid("DATABASE_POOL_MAX", "must be at least 1");
        }
        Some(Self {
            database_url: database_url?,
            database_pool_max,
            database_acquire_timeout: Duration::from_millis(acquire_ms),
            redis_url: redis_url?,
            redis_prefix,
            log_format,
            rust_log,
            service_tz,
            redis_durability,
        })
    }

    /// `REDIS_URL` with `REDIS_CLUSTER_NODES` folded in, checked for form (errors never show it).
    fn redis_target(env: &mut EnvReader, url: SecretString) -> Option<SecretString> {
        use secrecy::ExposeSecret;
        let url = match env.maybe::<String>("REDIS_CLUSTER_NODES") {
            Some(nodes) => match crate::redis_target::with_cluster_nodes(url.expose_secret(), &nodes) {
                Ok(folded) => SecretString::from(folded),
                Err(why) => {
                    env.invalid("REDIS_CLUSTER_NODES", why);
                    return None;
                }
            },
            None => url,
        };
        if let Err(why) = crate::redis_target::RedisTarget::parse(url.expose_secret()) {
            env.invalid("REDIS_URL", why);
            return None;
        }
        Some(url)
    }

    /// Reads only the shared settings (for commands such as `migrate`).
    pub fn from_env() -> Result<Self, ConfigError> {
        load_dotenv();
        let mut env = EnvReader::new();
        let core = Self::read(&mut env);
        env.finish(|| core)
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Self::Json),
            "pretty" => Ok(Self::Pretty),
            other => Err(format!("expected `json` or `pretty`, got `{other}`")),
        }
    }
}
