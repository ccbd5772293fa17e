//! The client's address for per-IP limits: the connection's peer address, or, only when that peer
//! is one of `API_TRUSTED_PROXIES`, the nearest address in `X-Forwarded-For` that is not a trusted
//! proxy (read right to left, so a client cannot choose its own address by sending the header).

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::state::AppState;

/// `API_TRUSTED_PROXIES`: addresses and CIDR ranges (`10.0.0.0/8,127.0.0.1,::1`); empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut ranges = Vec::new();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (addr, prefix) = item.split_once('/').unwrap_or((item, ""));
            let addr: IpAddr = addr.parse().map_err(|_| format!("`{item}` is not an address or CIDR range"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = if prefix.is_empty() { max } else { prefix.parse().map_err(|_| format!("`{item}` has a bad prefix"))? };
            if prefix > max {
                return Err(format!("`{item}` has a prefix longer than {max}"));
            }
            ranges.push((addr, prefix));
        }
        Ok(Self(ranges))
    }
}

impl TrustedProxies {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|&(net, prefix)| match (ip, net) {
            (IpAddr::V4(a), IpAddr::V4(n)) => masked(u128::from(u32::from(a)), prefix, 32) == masked(u128::from(u32::from(n)), prefix, 32),
            (IpAddr::V6(a), IpAddr::V6(n)) => masked(u128::from(a), prefix, 128) == masked(u128::from(n), prefix, 128),
            _ => false,
        })
    }

    /// The client behind `peer` given the `X-Forwarded-For` values (joined in order).
    pub fn client(&self, peer: IpAddr, forwarded: &[&str]) -> IpAddr {
        if !self.contains(peer) {
            return peer.to_canonical();
        }
        let hops = forwarded.iter().flat_map(|v| v.split(',')).filter_map(|h| h.trim().parse::<IpAddr>().ok());
        let hops: Vec<IpAddr> = hops.collect();
        hops.iter().rev().find(|h| !self.contains(**h)).or(hops.first()).copied().unwrap_or(peer).to_canonical()
    }
}

fn masked(bits: u128, prefix: u8, width: u32) -> u128 {
    let host_bits = width - u32::from(prefix);
    if host_bits >= 128 {
        0
    } else {
        bits >> host_bits
    }
}

/// The client's address (unspecified when the server was called without a socket, in-process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let forwarded: Vec<&str> = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        Ok(Self(state.config.trusted_proxies.client(peer, &forwarded)))
    }
}

/// Whether the client reached us over TLS: an `https` request URI, or `X-Forwarded-Proto: https`
/// set by a trusted proxy (the last value, the one the nearest proxy wrote; ignored from anyone
/// else, as `X-Forwarded-For` is). Decides the console cookie's `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverTls(pub bool);

impl FromRequestParts<AppState> for OverTls {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if parts.uri.scheme_str() == Some("https") {
            return Ok(Self(true));
        }
        let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else { return Ok(Self(false)) };
        if !state.config.trusted_proxies.contains(peer) {
            return Ok(Self(false));
        }
        let proto = parts.headers.get_all("x-forwarded-proto").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(','));
        Ok(Self(proto.last().is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_read_only_behind_a_trusted_proxy() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("203.0.113.9"), &["1.2.3.4"]), ip("203.0.113.9"), "not configured: the peer");
        let trusted: TrustedProxies = "10.0.0.0/8, 127.0.0.1,::1".parse().expect("parses");
        assert_eq!(trusted.client(ip("203.0.113.9"), &["1.2.3.4"]), ip("203.0.113.9"), "an untrusted peer");
        assert_eq!(trusted.client(ip("10.1.2.3"), &["1.2.3.4"]), ip("1.2.3.4"));
        // A client-supplied first entry cannot hide the address the proxy saw.
        assert_eq!(trusted.client(ip("10.1.2.3"), &["6.6.6.6, 198.51.100.7", "10.0.0.2"]), ip("198.51.100.7"));
        assert_eq!(trusted.client(ip("::ffff:127.0.0.1"), &["198.51.100.8"]), ip("198.51.100.8"));
        assert_eq!(trusted.client(ip("10.1.2.3"), &[]), ip("10.1.2.3"));
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("proxy".parse::<TrustedProxies>().is_err());
        assert!(trusted.contains(ip("::1")) && !trusted.contains(ip("11.0.0.1")));
    }
}
