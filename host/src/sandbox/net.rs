//! Where a guest may connect to, and which names it may look up: anywhere (like a
//! native function), or only an allow-list of hosts and ports.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use anyhow::{Context as _, bail};

/// Where a guest may connect to.
#[derive(Clone, Debug, Default)]
pub(crate) enum NetPolicy {
    /// Anywhere, like a native function.
    #[default]
    Open,
    /// Only the listed hosts and ports; everything else is refused and logged.
    AllowList(Arc<[NetRule]>),
}

/// One allow-list entry: `host`, `host:port`, `*.domain[:port]` or an IP address
/// (`[v6]:port` with a port).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NetRule {
    host: HostPattern,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum HostPattern {
    Ip(IpAddr),
    Name(String),
    Suffix(String),
}

impl NetPolicy {
    /// Parses a comma-separated allow-list; `none` (or nothing) allows nothing.
    pub(crate) fn allow_list(list: &str) -> anyhow::Result<Self> {
        let rules = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty() && !entry.eq_ignore_ascii_case("none"))
            .map(NetRule::parse)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(NetPolicy::AllowList(rules.into()))
    }

    /// Whether a request to `host:port` (an HTTP authority) is allowed.
    pub(crate) fn allows_host(&self, host: &str, port: u16) -> bool {
        match self {
            NetPolicy::Open => true,
            NetPolicy::AllowList(rules) => rules.iter().any(|rule| rule.matches_host(host, port)),
        }
    }

    /// Whether a guest may look `name` up: anywhere, or when an entry of the list
    /// names it (an IP entry allows no lookup).
    pub(crate) fn allows_lookup(&self, name: &str) -> bool {
        match self {
            NetPolicy::Open => true,
            NetPolicy::AllowList(rules) => rules.iter().any(|rule| rule.names(name)),
        }
    }

    /// Whether nothing at all is allowed (`--allow-net none`).
    pub(crate) fn allows_nothing(&self) -> bool {
        matches!(self, NetPolicy::AllowList(rules) if rules.is_empty())
    }

    /// Whether a socket may reach `addr`. Names in the list are resolved to compare
    /// against the address.
    pub(crate) async fn allows_addr(&self, addr: SocketAddr) -> bool {
        let NetPolicy::AllowList(rules) = self else {
            return true;
        };
        for rule in rules.iter() {
            if rule.port.is_some_and(|port| port != addr.port()) {
                continue;
            }
            let matched = match &rule.host {
                HostPattern::Ip(ip) => *ip == addr.ip(),
                HostPattern::Name(name) => resolves_to(name, addr.ip()).await,
                HostPattern::Suffix(_) => false,
            };
            if matched {
                return true;
            }
        }
        false
    }
}

async fn resolves_to(name: &str, ip: IpAddr) -> bool {
    match tokio::net::lookup_host((name, 0)).await {
        Ok(mut addrs) => addrs.any(|a| a.ip() == ip),
        Err(_) => false,
    }
}

impl NetRule {
    fn parse(entry: &str) -> anyhow::Result<Self> {
        if let Ok(addr) = entry.parse::<SocketAddr>() {
            return Ok(NetRule {
                host: HostPattern::Ip(addr.ip()),
                port: Some(addr.port()),
            });
        }
        if let Ok(ip) = entry.trim_matches(['[', ']']).parse::<IpAddr>() {
            return Ok(NetRule {
                host: HostPattern::Ip(ip),
                port: None,
            });
        }
        let (host, port) = match entry.rsplit_once(':') {
            Some((host, port)) => {
                let port = port
                    .parse()
                    .with_context(|| format!("bad port in allow-list entry `{entry}`"))?;
                (host, Some(port))
            }
            None => (entry, None),
        };
        let host = host.to_ascii_lowercase();
        if host.is_empty() || host.contains(['/', ' ']) {
            bail!("bad host in allow-list entry `{entry}`");
        }
        let host = match host.strip_prefix("*.") {
            Some(domain) => HostPattern::Suffix(format!(".{domain}")),
            None => HostPattern::Name(host),
        };
        Ok(NetRule { host, port })
    }

    /// Whether this entry is a name (or a domain) that covers `name`.
    fn names(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        match &self.host {
            HostPattern::Ip(_) => false,
            HostPattern::Name(allowed) => name == *allowed,
            HostPattern::Suffix(suffix) => name.ends_with(suffix.as_str()),
        }
    }

    fn matches_host(&self, host: &str, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        match &self.host {
            HostPattern::Ip(ip) => host.parse::<IpAddr>().is_ok_and(|h| h == *ip),
            HostPattern::Name(name) => host == *name,
            HostPattern::Suffix(suffix) => host.ends_with(suffix.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_matches_names_suffixes_ips_and_ports() {
        let policy =
            NetPolicy::allow_list("api.example.com:443, *.oss.test, 10.0.0.1, [::1]:8080").unwrap();
        assert!(policy.allows_host("api.example.com", 443));
        assert!(policy.allows_host("API.Example.com", 443));
        assert!(!policy.allows_host("api.example.com", 80));
        assert!(policy.allows_host("bucket.oss.test", 80));
        assert!(!policy.allows_host("oss.test.evil", 80));
        assert!(policy.allows_host("10.0.0.1", 1234));
        assert!(policy.allows_host("[::1]", 8080));
        assert!(!policy.allows_host("[::1]", 8081));
        assert!(!policy.allows_host("example.org", 443));
    }

    #[test]
    fn none_allows_nothing_and_open_allows_all() {
        let none = NetPolicy::allow_list("none").unwrap();
        assert!(!none.allows_host("example.com", 80));
        assert!(NetPolicy::Open.allows_host("example.com", 80));
    }

    #[test]
    fn bad_entries_are_errors() {
        assert!(NetPolicy::allow_list("host:notaport").is_err());
        assert!(NetPolicy::allow_list("a/b").is_err());
    }

    #[tokio::test]
    async fn socket_checks_use_ips_and_resolved_names() {
        let policy = NetPolicy::allow_list("127.0.0.1:80, localhost:81").unwrap();
        assert!(policy.allows_addr("127.0.0.1:80".parse().unwrap()).await);
        assert!(!policy.allows_addr("127.0.0.1:82".parse().unwrap()).await);
        assert!(!policy.allows_addr("10.1.1.1:80".parse().unwrap()).await);
        assert!(
            NetPolicy::Open
                .allows_addr("10.1.1.1:80".parse().unwrap())
                .await
        );
    }

    #[test]
    fn lookups_follow_the_allow_list() {
        let policy = NetPolicy::allow_list("api.example.com:443, *.oss.test, 10.0.0.1").unwrap();
        assert!(policy.allows_lookup("API.example.com."));
        assert!(policy.allows_lookup("bucket.oss.test"));
        assert!(!policy.allows_lookup("secret-data.attacker.test"));
        assert!(!policy.allows_lookup("10.0.0.1.example"));
        assert!(NetPolicy::Open.allows_lookup("anything"));
        assert!(NetPolicy::allow_list("none").unwrap().allows_nothing());
        assert!(!policy.allows_nothing());
    }
}
