//! Where the tests' PostgreSQL and Redis are, with one message that says what to do when they are
//! missing (a plain `cargo test` without them used to fail with a bare pool timeout).

use std::time::Duration;

use tokio::net::TcpStream;

const HOW: &str = "the tests need PostgreSQL and Redis: run them through `scripts/test` \
     (e.g. `scripts/test -p yizhan-api`), which starts throwaway servers and sets DATABASE_URL and \
     REDIS_URL, or point both variables at running servers (`scripts/dev` prints its own)";

/// `DATABASE_URL`: a server where the tests may create databases.
pub fn database_url() -> String {
    required("DATABASE_URL")
}

/// `REDIS_URL` (`redis://`, `rediss://` or `redis+cluster://`).
pub fn redis_url() -> String {
    required("REDIS_URL")
}

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: {HOW}"))
}

/// Panics with [`HOW`] when nothing listens at `url`'s host and port (checked with a plain TCP
/// connection, so the message comes before any client's retries and timeouts).
pub async fn require_listening(name: &str, url: &str, default_port: u16) {
    let Some(addr) = host_port(url, default_port) else {
        panic!("{name}={url} names no host: {HOW}");
    };
    let connect = tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(&addr)).await;
    match connect {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => panic!("{name} points at {addr}, which is not reachable ({e}): {HOW}"),
        Err(_) => panic!("{name} points at {addr}, which did not answer within 3 s: {HOW}"),
    }
}

/// `host:port` of a store URL (the first node of a cluster list).
fn host_port(url: &str, default_port: u16) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let first = host_port.split(',').next()?;
    if first.is_empty() {
        return None;
    }
    Some(if first.contains(':') { first.to_owned() } else { format!("{first}:{default_port}") })
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn host_and_port_of_each_url_shape() {
        assert_eq!(host_port("postgres://postgres@127.0.0.1:55432/yizhan", 5432).as_deref(), Some("127.0.0.1:55432"));
        assert_eq!(host_port("postgres://u:p@db/yizhan?sslmode=disable", 5432).as_deref(), Some("db:5432"));
        assert_eq!(host_port("redis://127.0.0.1:6390/", 6379).as_deref(), Some("127.0.0.1:6390"));
        assert_eq!(host_port("redis+cluster://127.0.0.1:7000,127.0.0.1:7001/", 6379).as_deref(), Some("127.0.0.1:7000"));
        assert_eq!(host_port("redis://", 6379), None);
    }
}
