//! Which addresses an avatar fetch may reach. Host names are checked where they are resolved
//! (a resolver that refuses the connection, so a name that resolves to a private address after
//! the check cannot slip through); IP literals are checked on the URL, the first and every
//! redirect's.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The refusal carried through reqwest's error chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{host}` is a private or reserved address ({ip})")]
pub struct PrivateAddress {
    pub host: String,
    pub ip: IpAddr,
}

/// Whether an address may be fetched from. `allow_private` admits loopback and private ranges
/// (development and tests), never link-local (cloud metadata at 169.254.169.254), unspecified,
/// multicast or broadcast addresses.
pub fn allowed(ip: IpAddr, allow_private: bool) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            if never_v4(v4) {
                return false;
            }
            allow_private || !private_v4(v4)
        }
        IpAddr::V6(v6) => {
            if v6.is_unspecified() || v6.is_multicast() || (v6.segments()[0] & 0xffc0) == 0xfe80 {
                return false;
            }
            allow_private || !(v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00 || v6.to_ipv4().is_some_and(private_v4))
        }
    }
}

fn never_v4(ip: Ipv4Addr) -> bool {
    ip.octets()[0] == 0 || ip.is_link_local() || ip.is_multicast() || ip.is_broadcast() || ip.octets()[0] >= 240
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback() || ip.is_private() || (a == 100 && (64..128).contains(&b)) || (a == 192 && b == 0) || (a == 198 && (b == 18 || b == 19))
}

/// The URL's host when it is an IP literal that may not be fetched.
pub fn refused_literal(url: &reqwest::Url, allow_private: bool) -> Option<PrivateAddress> {
    let host = url.host_str()?;
    let ip: IpAddr = host.trim_start_matches('[').trim_end_matches(']').parse().ok()?;
    (!allowed(ip, allow_private)).then(|| PrivateAddress { host: host.to_owned(), ip })
}

/// A resolver that refuses names resolving to any address that may not be fetched.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(bad) = addrs.iter().find(|a| !allowed(a.ip(), allow_private)) {
                return Err(Box::new(PrivateAddress { host, ip: bad.ip() }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn public_addresses_pass_private_ones_only_when_allowed() {
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(allowed(ip(public), false), "{public}");
        }
        for private in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"] {
            assert!(!allowed(ip(private), false), "{private}");
            assert!(allowed(ip(private), true), "{private}");
        }
    }

    #[test]
    fn metadata_and_reserved_addresses_never_pass() {
        for never in ["169.254.169.254", "169.254.0.1", "0.0.0.0", "0.1.2.3", "224.0.0.1", "255.255.255.255", "240.0.0.1", "::", "fe80::1", "ff02::1", "::ffff:169.254.169.254"] {
            assert!(!allowed(ip(never), true), "{never}");
            assert!(!allowed(ip(never), false), "{never}");
        }
    }

    #[test]
    fn ip_literals_in_urls() {
        let url = |s: &str| reqwest::Url::parse(s).expect("url");
        assert!(refused_literal(&url("http://169.254.169.254/latest/meta-data"), true).is_some());
        assert!(refused_literal(&url("http://[::1]:8080/a.png"), false).is_some());
        assert!(refused_literal(&url("http://127.0.0.1:8080/a.png"), true).is_none());
        assert!(refused_literal(&url("https://example.com/a.png"), false).is_none());
    }
}
