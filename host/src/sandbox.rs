//! What a guest may touch, in one place: its environment, files, network and memory.
//!
//! A guest gets what a native FC function gets and nothing of the host's internals:
//! - the process environment minus `bootstrap`'s own settings (`BOOTSTRAP_*`, and
//!   `FC_WASM_*` of earlier versions, `RUST_LOG`) and the variables it is told to
//!   withhold;
//! - a writable `/tmp` of its own (emptied when the instance is replaced) and the code
//!   directory read-only at `/code`;
//! - wall and monotonic clocks and randomness (WASI defaults);
//! - outbound network: TCP, UDP, name lookup and outgoing `wasi:http`, optionally
//!   limited to an allow-list of hosts and ports;
//! - linear memory and tables up to the function's memory size.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context as _, bail};

/// Prefixes of `bootstrap`'s own environment variables, never shown to guests.
const OWN_ENV_PREFIXES: [&str; 2] = [crate::config::ENV_PREFIX, crate::config::LEGACY_ENV_PREFIX];
/// Other variables that configure `bootstrap` itself.
const OWN_ENV: [&str; 1] = ["RUST_LOG"];

/// The grants every instance of a module gets.
#[derive(Clone, Debug)]
pub struct Grants {
    /// Environment variables, in order.
    pub env: Arc<[(String, String)]>,
    /// The code directory, mapped read-only at `/code`.
    pub code_dir: Option<PathBuf>,
    /// Where the per-instance `/tmp` directories are made.
    pub tmp_root: PathBuf,
    /// Outbound network policy.
    pub net: NetPolicy,
}

/// The environment a guest sees: `vars` without `bootstrap`'s settings and `withheld`.
pub(crate) fn guest_env(
    vars: impl IntoIterator<Item = (String, String)>,
    withheld: &[String],
) -> Vec<(String, String)> {
    vars.into_iter()
        .filter(|(name, _)| {
            !OWN_ENV_PREFIXES
                .iter()
                .any(|prefix| name.starts_with(prefix))
                && !OWN_ENV.contains(&name.as_str())
                && !withheld.iter().any(|w| w == name)
        })
        .collect()
}

/// A guest's private `/tmp`: a fresh host directory, removed with its instance.
#[derive(Debug)]
pub(crate) struct TmpDir(PathBuf);

impl TmpDir {
    /// Makes a new, empty directory under `root`.
    pub(crate) fn create(root: &Path) -> std::io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = root.join(format!("instance-{n}"));
        std::fs::create_dir_all(&path)?;
        Ok(TmpDir(path))
    }

    /// The directory on the host.
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TmpDir {
    fn drop(&mut self) {
        let path = std::mem::take(&mut self.0);
        let remove = move || {
            let _ = std::fs::remove_dir_all(&path);
        };
        // Removing a big directory must not stall an async worker.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(remove)),
            Err(_) => remove(),
        }
    }
}

/// Where a guest may connect to.
#[derive(Clone, Debug, Default)]
pub enum NetPolicy {
    /// Anywhere, like a native function.
    #[default]
    Open,
    /// Only the listed hosts and ports; everything else is refused and logged.
    AllowList(Arc<[NetRule]>),
}

/// One allow-list entry: `host`, `host:port`, `*.domain[:port]` or an IP address
/// (`[v6]:port` with a port).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetRule {
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
    pub fn allow_list(list: &str) -> anyhow::Result<Self> {
        let rules = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty() && !entry.eq_ignore_ascii_case("none"))
            .map(NetRule::parse)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(NetPolicy::AllowList(rules.into()))
    }

    /// Whether a request to `host:port` (an HTTP authority) is allowed.
    pub fn allows_host(&self, host: &str, port: u16) -> bool {
        match self {
            NetPolicy::Open => true,
            NetPolicy::AllowList(rules) => rules.iter().any(|rule| rule.matches_host(host, port)),
        }
    }

    /// Whether a socket may reach `addr`. Names in the list are resolved to compare
    /// against the address.
    pub async fn allows_addr(&self, addr: SocketAddr) -> bool {
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

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn guest_env_drops_own_settings_and_withheld() {
        let env = guest_env(
            vars(&[
                ("FC_FUNCTION_NAME", "f"),
                ("FC_WASM_MODULE", "x"),
                ("BOOTSTRAP_MAX_INSTANCES", "4"),
                ("RUST_LOG", "debug"),
                ("SECRET", "s"),
                ("ALIBABA_CLOUD_ACCESS_KEY_ID", "k"),
            ]),
            &["SECRET".to_string()],
        );
        assert_eq!(
            env,
            vars(&[
                ("FC_FUNCTION_NAME", "f"),
                ("ALIBABA_CLOUD_ACCESS_KEY_ID", "k")
            ])
        );
    }

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
    fn tmp_dirs_are_fresh_and_removed() {
        let root = std::env::temp_dir().join(format!("tmpdir-test-{}", std::process::id()));
        let dir = TmpDir::create(&root).unwrap();
        let path = dir.path().to_path_buf();
        std::fs::write(path.join("f"), b"x").unwrap();
        drop(dir);
        assert!(!path.exists());
        let _ = std::fs::remove_dir_all(root);
    }
}
