//! What `REDIS_URL` (and `REDIS_CLUSTER_NODES`) name: one Redis server, or the seed nodes of a
//! Redis Cluster.
//!
//! - `redis://[user:password@]host:port[/db]`: one server (or a proxy in front of many).
//! - `redis+cluster://[user:password@]host1:port1,host2:port2[,…][/]`: a Redis Cluster; the nodes
//!   listed are seeds (any reachable one is enough, the client learns the rest and follows
//!   `MOVED`/`ASK`), and the credentials apply to every node.
//! - `REDIS_CLUSTER_NODES=host2:port2,host3:port3`: the same, spelled as a second variable: the
//!   node `REDIS_URL` names (and its credentials) plus these are the seeds.
//!
//! Nothing here prints a URL: they may hold a password.

/// A parsed Redis location. The strings are `redis://` URLs (with credentials, if any).
#[derive(Clone, PartialEq, Eq)]
pub enum RedisTarget {
    Single(String),
    Cluster(Vec<String>),
}

impl std::fmt::Debug for RedisTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Single(_) => f.write_str("RedisTarget::Single(..)"),
            Self::Cluster(seeds) => write!(f, "RedisTarget::Cluster({} seeds)", seeds.len()),
        }
    }
}

const CLUSTER_SCHEME: &str = "redis+cluster://";

impl RedisTarget {
    /// Reads a `REDIS_URL`. Errors name the problem, never the URL.
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("rediss+cluster://") {
            return Err("TLS to a Redis Cluster (`rediss+cluster://`) is not built in".into());
        }
        let Some(rest) = url.strip_prefix(CLUSTER_SCHEME) else {
            return Ok(Self::Single(url.to_owned()));
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        let (auth, hosts) = match authority.rsplit_once('@') {
            Some((auth, hosts)) => (format!("{auth}@"), hosts),
            None => (String::new(), authority),
        };
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        let seeds: Vec<String> =
            hosts.split(',').map(str::trim).filter(|h| !h.is_empty()).map(|h| format!("redis://{auth}{h}{path}")).collect();
        if seeds.is_empty() {
            return Err("`redis+cluster://` names no node".into());
        }
        Ok(Self::Cluster(seeds))
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self, Self::Cluster(_))
    }
}

/// `REDIS_URL` with `REDIS_CLUSTER_NODES` (`host:port,…`) folded in: a `redis+cluster://` URL
/// whose seeds are the URL's node followed by the listed ones. An empty list leaves the URL as is.
pub fn with_cluster_nodes(url: &str, nodes: &str) -> Result<String, String> {
    let extra: Vec<&str> = nodes.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
    if extra.is_empty() {
        return Ok(url.to_owned());
    }
    if let Some(bad) = extra.iter().find(|n| n.contains(['/', '@', '?'])) {
        return Err(format!("expected `host:port,host:port`, got an entry of {} characters with `/`, `@` or `?`", bad.len()));
    }
    let rest = url
        .strip_prefix(CLUSTER_SCHEME)
        .or_else(|| url.strip_prefix("redis://"))
        .ok_or_else(|| "REDIS_URL must be `redis://…` or `redis+cluster://…` when REDIS_CLUSTER_NODES is set".to_owned())?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    Ok(format!("{CLUSTER_SCHEME}{authority},{}{path}", extra.join(",")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_url_is_one_server() {
        assert_eq!(RedisTarget::parse("redis://127.0.0.1:6379/").expect("parse"), RedisTarget::Single("redis://127.0.0.1:6379/".into()));
    }

    #[test]
    fn a_cluster_url_lists_seeds_with_the_credentials_on_each() {
        let target = RedisTarget::parse("redis+cluster://u:p%40ss@10.0.0.1:7000,10.0.0.2:7001").expect("parse");
        assert_eq!(target, RedisTarget::Cluster(vec!["redis://u:p%40ss@10.0.0.1:7000/".into(), "redis://u:p%40ss@10.0.0.2:7001/".into()]));
        let target = RedisTarget::parse("redis+cluster://h1:1,h2:2/?protocol=resp3").expect("parse");
        assert_eq!(target, RedisTarget::Cluster(vec!["redis://h1:1/?protocol=resp3".into(), "redis://h2:2/?protocol=resp3".into()]));
        assert!(RedisTarget::parse("redis+cluster:///").is_err());
        assert!(RedisTarget::parse("rediss+cluster://h:1").is_err());
    }

    #[test]
    fn cluster_nodes_fold_into_the_url() {
        let url = with_cluster_nodes("redis://:secret@h1:7000/", "h2:7001, h3:7002").expect("fold");
        assert_eq!(url, "redis+cluster://:secret@h1:7000,h2:7001,h3:7002/");
        assert_eq!(
            RedisTarget::parse(&url).expect("parse"),
            RedisTarget::Cluster(vec!["redis://:secret@h1:7000/".into(), "redis://:secret@h2:7001/".into(), "redis://:secret@h3:7002/".into()])
        );
        assert_eq!(with_cluster_nodes("redis://h1:1/", " ").expect("fold"), "redis://h1:1/");
        assert_eq!(with_cluster_nodes("redis+cluster://h1:1", "h2:2").expect("fold"), "redis+cluster://h1:1,h2:2");
        assert!(with_cluster_nodes("unix:///tmp/r.sock", "h2:2").is_err());
        let err = with_cluster_nodes("redis://h1:1/", "redis://:pw@h2:2").expect_err("a URL is not host:port");
        assert!(!err.contains("pw"), "never echoes what may be a password: {err}");
    }

    #[test]
    fn debug_never_shows_the_url() {
        let shown = format!("{:?}", RedisTarget::parse("redis+cluster://:pw@h:1").expect("parse"));
        assert!(!shown.contains("pw"), "{shown}");
    }
}
