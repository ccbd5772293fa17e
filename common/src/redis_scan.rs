//! Finding keys by pattern (tests, benches and operator clean-up; never on a hot path). On a
//! Redis Cluster each master holds only its own slots, so `SCAN` is run on every master.

use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::RedisResult;

use crate::redis_conn::RedisConn;

/// Every key matching `pattern` (a `SCAN MATCH` glob), on every master of a cluster.
pub async fn keys_matching(conn: &mut RedisConn, pattern: &str) -> RedisResult<Vec<String>> {
    match conn {
        RedisConn::Single(single) => {
            let mut out = Vec::new();
            let mut cursor = 0u64;
            loop {
                let (next, keys): (u64, Vec<String>) =
                    redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(1000).query_async(single).await?;
                out.extend(keys);
                if next == 0 {
                    return Ok(out);
                }
                cursor = next;
            }
        }
        RedisConn::Cluster(cluster) => {
            let mut out = Vec::new();
            for (host, port) in masters(cluster).await? {
                let mut cursor = 0u64;
                loop {
                    let mut scan = redis::cmd("SCAN");
                    scan.arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(1000);
                    let on = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host: host.clone(), port });
                    let value = cluster.route_command(scan, on).await?;
                    let (next, keys): (u64, Vec<String>) = redis::from_redis_value(value)?;
                    out.extend(keys);
                    if next == 0 {
                        break;
                    }
                    cursor = next;
                }
            }
            Ok(out)
        }
    }
}

/// Deletes every key matching `pattern` (on every master); returns how many.
pub async fn delete_matching(conn: &mut RedisConn, pattern: &str) -> RedisResult<usize> {
    let keys = keys_matching(conn, pattern).await?;
    // One key per command: on a cluster the keys live in many slots.
    for key in &keys {
        let _: i64 = redis::cmd("UNLINK").arg(key).query_async(conn).await?;
    }
    Ok(keys.len())
}

/// The masters of a cluster (`host`, `port`), from `CLUSTER NODES`.
pub async fn masters(conn: &mut ClusterConnection) -> RedisResult<Vec<(String, u16)>> {
    let nodes: String = redis::cmd("CLUSTER").arg("NODES").query_async(conn).await?;
    Ok(parse_masters(&nodes))
}

fn parse_masters(nodes: &str) -> Vec<(String, u16)> {
    nodes
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let flags = fields.get(2)?;
            if !flags.split(',').any(|f| f == "master") || flags.contains("fail") {
                return None;
            }
            // `ip:port@cport[,hostname]`
            let addr = fields.get(1)?.split('@').next()?;
            let (host, port) = addr.rsplit_once(':')?;
            Some((host.to_owned(), port.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn masters_are_read_from_cluster_nodes() {
        let nodes = "\
a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460
b2 127.0.0.1:7002@17002 master - 0 1 2 connected 5461-10922
c3 127.0.0.1:7004@17004 slave b2 0 1 2 connected
d4 127.0.0.1:7003@17003 master,fail - 0 1 3 connected
";
        assert_eq!(super::parse_masters(nodes), vec![("127.0.0.1".to_owned(), 7001), ("127.0.0.1".to_owned(), 7002)]);
    }
}
