//! Start-up check that Redis will not silently lose committed work: it persists (`appendonly
//! yes`, or an operator's acknowledgement that durability comes from elsewhere, e.g. replicas
//! acknowledged with `WAIT`) and never evicts keys (`maxmemory-policy noeviction`).
//!
//! The outbox's reconciliation sweep recovers jobs Redis lost, but leases, rate limits and the
//! WeChat token cache do not come back, and lost work runs late. So every process checks when it
//! first connects: outside production it logs a loud warning and goes on; in production
//! (`YIZHAN_ENV=production`) it refuses to use that Redis.

use crate::redis_conn::RedisConn;

use crate::config::EnvReader;

/// What the deployment demands of Redis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DurabilityPolicy {
    /// `YIZHAN_ENV=production`: refuse a Redis that may lose data (otherwise warn).
    pub production: bool,
    /// `REDIS_PERSISTENCE_ACK`: set (to any text saying how, e.g. `managed-aof` or
    /// `replicated-wait`) when Redis persists without `appendonly yes` being visible.
    pub persistence_ack: Option<String>,
}

impl DurabilityPolicy {
    pub fn read(env: &mut EnvReader) -> Self {
        let mode: String = env.optional("YIZHAN_ENV", String::from("development"));
        if !matches!(mode.as_str(), "production" | "development" | "test") {
            env.invalid("YIZHAN_ENV", "expected `production`, `development` or `test`");
        }
        let persistence_ack = env.maybe::<String>("REDIS_PERSISTENCE_ACK").filter(|a| !a.trim().is_empty());
        Self { production: mode == "production", persistence_ack }
    }
}

/// The settings of a Redis server that matter here, from `INFO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisDurability {
    pub appendonly: bool,
    pub maxmemory_policy: String,
}

impl RedisDurability {
    /// Reads `aof_enabled` and `maxmemory_policy` from `INFO` text (works where `CONFIG` is off).
    pub fn parse(info: &str) -> Self {
        let field = |name: &str| {
            info.lines().find_map(|l| l.trim().strip_prefix(name).and_then(|r| r.strip_prefix(':'))).map(str::to_owned)
        };
        Self {
            appendonly: field("aof_enabled").is_some_and(|v| v == "1"),
            maxmemory_policy: field("maxmemory_policy").unwrap_or_else(|| "unknown".into()),
        }
    }

    /// What is wrong for `policy`, one sentence each (empty: fine).
    pub fn problems(&self, policy: &DurabilityPolicy) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.appendonly && policy.persistence_ack.is_none() {
            problems.push(
                "Redis does not persist (appendonly is off): a restart loses queued jobs, leases and caches; \
                 run it with `appendonly yes` or set REDIS_PERSISTENCE_ACK"
                    .to_owned(),
            );
        }
        if self.maxmemory_policy != "noeviction" {
            problems.push(format!(
                "Redis maxmemory-policy is `{}`: under memory pressure it deletes keys (queued jobs); set `noeviction`",
                self.maxmemory_policy
            ));
        }
        problems
    }
}

/// `INFO persistence memory` of the server behind `conn`, or of every master of a cluster (the
/// cluster client sends `INFO` to each and answers with a map of node address to text).
pub async fn info(conn: &mut RedisConn) -> redis::RedisResult<Vec<(String, String)>> {
    let value: redis::Value = redis::cmd("INFO").arg("persistence").arg("memory").query_async(conn).await?;
    match value {
        redis::Value::Map(nodes) => nodes
            .into_iter()
            .map(|(node, text)| Ok((redis::from_redis_value(node)?, redis::from_redis_value(text)?)))
            .collect(),
        other => Ok(vec![(String::new(), redis::from_redis_value(other)?)]),
    }
}

/// Checks the server behind `conn` (every master of a cluster): `Ok` when safe, or when unsafe
/// outside production (after a warning per problem); an error in production.
pub async fn check(conn: &mut RedisConn, policy: &DurabilityPolicy) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    for (node, info) in info(conn).await? {
        let found = RedisDurability::parse(&info);
        let on = if node.is_empty() { String::new() } else { format!(" (node {node})") };
        problems.extend(found.problems(policy).into_iter().map(|p| format!("{p}{on}")));
        tracing::info!(redis.node = %node, redis.appendonly = found.appendonly, redis.maxmemory_policy = %found.maxmemory_policy,
            redis.persistence_ack = policy.persistence_ack.as_deref().unwrap_or(""), "Redis durability checked");
    }
    if problems.is_empty() {
        return Ok(());
    }
    for problem in &problems {
        tracing::error!(production = policy.production, "UNSAFE REDIS: {problem}");
    }
    anyhow::ensure!(!policy.production, "refusing an unsafe Redis in production (YIZHAN_ENV=production): {}", problems.join("; "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAFE: &str = "# Persistence\r\naof_enabled:1\r\n# Memory\r\nmaxmemory_policy:noeviction\r\n";
    const UNSAFE: &str = "# Persistence\r\naof_enabled:0\r\n# Memory\r\nmaxmemory_policy:allkeys-lru\r\n";

    #[test]
    fn info_is_read_and_judged() {
        let policy = DurabilityPolicy::default();
        assert!(RedisDurability::parse(SAFE).problems(&policy).is_empty());
        let unsafe_redis = RedisDurability::parse(UNSAFE);
        assert_eq!(unsafe_redis, RedisDurability { appendonly: false, maxmemory_policy: "allkeys-lru".into() });
        let problems = unsafe_redis.problems(&policy);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("appendonly") && problems[1].contains("allkeys-lru"));
    }

    #[test]
    fn an_acknowledgement_covers_persistence_but_not_eviction() {
        let acked = DurabilityPolicy { production: true, persistence_ack: Some("replicated-wait".into()) };
        let no_aof = RedisDurability { appendonly: false, maxmemory_policy: "noeviction".into() };
        assert!(no_aof.problems(&acked).is_empty());
        let evicting = RedisDurability { appendonly: false, maxmemory_policy: "volatile-lru".into() };
        assert_eq!(evicting.problems(&acked).len(), 1);
    }

    #[tokio::test]
    async fn production_refuses_and_development_warns() {
        let mut conn = crate::testing::RedisPrefix::new().connect().await;
        let nodes = info(&mut conn).await.expect("info");
        assert_eq!(nodes.len() > 1, conn.is_cluster(), "one answer per master of a cluster: {}", nodes.len());
        let strict = DurabilityPolicy { production: true, persistence_ack: None };
        let unsafe_here = nodes.iter().any(|(_, info)| !RedisDurability::parse(info).problems(&strict).is_empty());
        assert_eq!(check(&mut conn, &strict).await.is_err(), unsafe_here);
        assert!(check(&mut conn, &DurabilityPolicy::default()).await.is_ok(), "development only warns");
    }
}
