//! What a guest may touch, in one place: its environment, files, network, descriptors,
//! disk and memory, each with a bound that leaves the host in control.
//!
//! A guest gets what a native FC function gets and nothing of the host's internals:
//! - the process environment minus `bootstrap`'s own settings (`BOOTSTRAP_*`, and
//!   `FC_WASM_*` of earlier versions, `RUST_LOG`, the `RUST_LIB_BACKTRACE` it set for
//!   itself) and the variables it is told to withhold;
//! - a writable `/tmp` of its own ([`tmp`]), all instances' together within the disk
//!   quota ([`quota`]), links out of it refused; the code directory read-only at `/code`,
//!   and the folders the module brings beside it read-only at their names ([`files`]);
//! - wall and monotonic clocks and randomness (WASI defaults);
//! - outbound network: TCP, UDP, name lookup and outgoing `wasi:http`, optionally
//!   limited to an allow-list of hosts and ports ([`net`]); no listening socket unless
//!   granted, never on the host's own port;
//! - descriptors within a budget ([`fds`]) and linear memory within the function's
//!   memory, shared by all instances ([`memory`]).

pub(crate) mod fds;
pub(crate) mod files;
pub(crate) mod memory;
pub(crate) mod net;
pub(crate) mod quota;
pub(crate) mod tmp;

use std::path::PathBuf;
use std::sync::Arc;

pub(crate) use self::net::NetPolicy;

/// Variables besides the runtime's own prefixes that configure `bootstrap` itself.
const OWN_ENV: [&str; 1] = ["RUST_LOG"];

/// The grants and shared budgets every instance of a module gets.
#[derive(Clone, Debug)]
pub(crate) struct Grants {
    /// Environment variables, in order.
    pub(crate) env: Arc<[(String, String)]>,
    /// The code directory, mapped read-only at `/code`.
    pub(crate) code_dir: Option<PathBuf>,
    /// The folder of the module's own folders (`handler.files`), each mounted
    /// read-only at its name; listed when an instance is made, so a rebuild that
    /// adds or changes them reaches the next instance.
    pub(crate) module_files: PathBuf,
    /// Where the per-instance `/tmp` directories are made.
    pub(crate) tmp_root: Arc<tmp::TmpRoot>,
    /// The disk all `/tmp` directories share.
    pub(crate) quota: Arc<quota::DiskQuota>,
    /// The descriptors all instances share.
    pub(crate) fds: Arc<fds::FdPool>,
    /// The memory all instances share.
    pub(crate) memory: Arc<memory::SharedMemory>,
    /// Outbound network policy.
    pub(crate) net: NetPolicy,
    /// Whether a guest may listen on a TCP socket.
    pub(crate) allow_listen: bool,
    /// The host's own listening port, which a guest may never bind.
    pub(crate) host_port: Option<u16>,
    /// FC's id of this instance (`FC_INSTANCE_ID`), or empty.
    pub(crate) instance_id: Arc<str>,
}

/// The environment a guest sees: `vars` without the runtime's own settings (names
/// starting with one of `own_prefixes`, and [`OWN_ENV`]) and `withheld`.
pub(crate) fn guest_env(
    vars: impl IntoIterator<Item = (String, String)>,
    own_prefixes: &[&str],
    withheld: &[String],
) -> Vec<(String, String)> {
    vars.into_iter()
        .filter(|(name, _)| {
            !own_prefixes.iter().any(|prefix| name.starts_with(prefix))
                && !OWN_ENV.contains(&name.as_str())
                && !withheld.iter().any(|w| w == name)
                && !crate::backtraces::set_by_host(name)
        })
        .collect()
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
            &["BOOTSTRAP_", "FC_WASM_"],
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
}
