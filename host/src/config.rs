//! Command-line flags, environment variables and the optional config file: one clap
//! struct, with every default a named constant, resolved once at start.
//!
//! Precedence: flag > environment variable > config file > default. FC reserves the
//! `FC_` prefix for its own variables, so `bootstrap`'s settings are `BOOTSTRAP_*`;
//! of FC's variables it reads `FC_SERVER_PORT`, `FC_CUSTOM_LISTEN_PORT` and
//! `FC_FUNC_CODE_PATH`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::builder::BoolishValueParser;
use clap::{Args, Parser};

use crate::compile_cache::CompileCache;
use crate::fc::limits;
use crate::policy::{self, TimeLimit, parse_duration};
use crate::sandbox;

/// Port used when neither `--port` nor the platform's variables name one.
pub const DEFAULT_PORT: u16 = 9000;
/// Default most live instances: see [`ServeArgs::max_instances`] and the README.
pub const DEFAULT_MAX_INSTANCES: usize = 32;
/// The module file name looked for beside the executable and in the code directory.
pub const MODULE_FILE_NAME: &str = "handler.wasm";
/// The config file looked for beside the executable and in the code directory.
pub const CONFIG_FILE_NAME: &str = "bootstrap.toml";
/// The prefix of `bootstrap`'s own environment variables.
pub(crate) const ENV_PREFIX: &str = "BOOTSTRAP_";
/// The prefix earlier versions used; FC refuses to set such variables.
pub(crate) const LEGACY_ENV_PREFIX: &str = "FC_WASM_";

/// `bootstrap`: a Function Compute custom runtime that runs a WebAssembly component.
///
/// It serves the platform's /initialize, /invoke, HTTP and lifecycle calls by calling
/// the exports of `handler.wasm`. Every setting is a flag, an environment variable
/// (shown beside it) or a line of the config file (`bootstrap.toml`, keys are the flag
/// names); a flag wins over the environment, which wins over the file. The developer
/// commands (build, compile, invoke, package, new) are `fcwasm`'s.
#[derive(Debug, Parser)]
#[command(
    name = "bootstrap",
    version,
    about,
    long_about,
    after_help = "Environment only: RUST_LOG filters the host's diagnostics on stderr (default info)."
)]
pub struct Cli {
    /// The config file. [default: bootstrap.toml beside the executable, else in
    /// $FC_FUNC_CODE_PATH, when there is one]
    #[arg(long, env = "BOOTSTRAP_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Server settings.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The developer commands earlier versions of `bootstrap` had, now `fcwasm`'s.
pub(crate) const MOVED_COMMANDS: [&str; 5] = ["build", "compile", "invoke", "new", "package"];

/// Settings of the server.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// TCP port to listen on; 0 picks a free one (the bound address is printed).
    /// [default: $FC_SERVER_PORT, else $FC_CUSTOM_LISTEN_PORT, else 9000]
    #[arg(long)]
    pub port: Option<u16>,

    /// Whether `port` is the config file's (its default), which the platform's port
    /// variables beat: on FC the platform chooses the port.
    #[arg(skip)]
    pub port_from_file: bool,

    /// The platform's port variable (FC sets it).
    #[arg(long = "fc-server-port", env = "FC_SERVER_PORT", hide = true)]
    pub fc_server_port: Option<String>,

    /// The port variable of FC 3.0's configurable port.
    #[arg(
        long = "fc-custom-listen-port",
        env = "FC_CUSTOM_LISTEN_PORT",
        hide = true
    )]
    pub fc_custom_listen_port: Option<String>,

    /// IP address to listen on.
    #[arg(long, env = "BOOTSTRAP_LISTEN", default_value = "0.0.0.0")]
    pub listen: IpAddr,

    /// Reload the module when its file changes (calls in flight finish on the old
    /// version). SIGHUP reloads it too, with or without this flag.
    #[arg(long, env = "BOOTSTRAP_WATCH", value_parser = BoolishValueParser::new())]
    pub watch: bool,

    /// Most guest instances alive at once, so most calls running at once; more wait.
    /// Set it to the function's instance concurrency.
    #[arg(long, env = "BOOTSTRAP_MAX_INSTANCES", default_value_t = DEFAULT_MAX_INSTANCES,
          value_parser = parse_max_instances)]
    pub max_instances: usize,

    /// Most open client connections; more wait in the kernel's backlog until one
    /// closes.
    #[arg(long, env = "BOOTSTRAP_MAX_CONNECTIONS",
          default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// How long a request head may take to arrive, from its first byte; the connection
    /// is closed past it. Idle keep-alive connections are never closed.
    #[arg(long, env = "BOOTSTRAP_HEADER_READ_TIMEOUT", value_name = "DURATION",
          default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,

    /// The module, limits and grants of every call.
    #[command(flatten)]
    pub call: CallArgs,
}

/// The module, and the limits and grants every call runs under.
#[derive(Clone, Debug, Args)]
pub struct CallArgs {
    /// The handler component (.wasm, or a precompiled .cwasm).
    /// [default: handler.wasm beside the executable, else in $FC_FUNC_CODE_PATH]
    #[arg(long, env = "BOOTSTRAP_MODULE")]
    pub module: Option<PathBuf>,

    /// Where the platform unpacked the code (FC sets it).
    #[arg(long = "fc-func-code-path", env = "FC_FUNC_CODE_PATH", hide = true)]
    pub fc_code_path: Option<PathBuf>,

    /// Largest request body of a synchronous call, in bytes (FC: 32 MB).
    #[arg(long, env = "BOOTSTRAP_MAX_BODY_BYTES", default_value_t = limits::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Largest request body of an asynchronous call (`x-fc-invocation-type: Async`),
    /// in bytes (FC: 128 KB).
    #[arg(long, env = "BOOTSTRAP_MAX_ASYNC_BODY_BYTES",
          default_value_t = limits::DEFAULT_MAX_ASYNC_BODY_BYTES)]
    pub max_async_body_bytes: usize,

    /// Largest total of request header names and values, in bytes (FC: 8 KB).
    #[arg(long, env = "BOOTSTRAP_MAX_HEADER_BYTES", default_value_t = limits::DEFAULT_MAX_HEADER_BYTES)]
    pub max_header_bytes: usize,

    /// Largest request path plus query, in bytes (FC: 4 KB).
    #[arg(long, env = "BOOTSTRAP_MAX_PATH_BYTES", default_value_t = limits::DEFAULT_MAX_PATH_BYTES)]
    pub max_path_bytes: usize,

    /// Largest response body, in bytes (as large as the largest request body).
    #[arg(long, env = "BOOTSTRAP_MAX_RESPONSE_BYTES", default_value_t = limits::DEFAULT_MAX_RESPONSE_BYTES)]
    pub max_response_bytes: usize,

    /// Function timeout (`30s`, `2m`, or `none`), overriding x-fc-function-timeout.
    /// [default: x-fc-function-timeout (at most FC's 86400 s), else 60s]
    #[arg(long, env = "BOOTSTRAP_FUNCTION_TIMEOUT", value_name = "DURATION|none")]
    pub function_timeout: Option<TimeLimit>,

    /// Initializer timeout (`30s`, or `none`), overriding x-fc-initialization-timeout.
    /// [default: x-fc-initialization-timeout (at most FC's 300 s), else 60s]
    #[arg(
        long,
        env = "BOOTSTRAP_INITIALIZATION_TIMEOUT",
        value_name = "DURATION|none"
    )]
    pub initialization_timeout: Option<TimeLimit>,

    /// Timeout of the pre-freeze and pre-stop hooks.
    #[arg(long, env = "BOOTSTRAP_HOOK_TIMEOUT", value_name = "DURATION",
          default_value = "3s", value_parser = parse_duration)]
    pub hook_timeout: Duration,

    /// How long a call waits for a free instance before it gets 503.
    #[arg(long, env = "BOOTSTRAP_QUEUE_TIMEOUT", value_name = "DURATION",
          default_value = "30s", value_parser = parse_duration)]
    pub queue_timeout: Duration,

    /// The function's memory in MB, overriding x-fc-function-memory.
    /// [default: x-fc-function-memory (at most FC's 32 GB), else 4096]
    #[arg(long, env = "BOOTSTRAP_MEMORY_LIMIT_MB")]
    pub memory_limit_mb: Option<u64>,

    /// Hosts the guest may connect to: comma-separated `host`, `host:port`,
    /// `*.domain[:port]` or IP entries; `none` for no network. [default: anywhere]
    #[arg(long, env = "BOOTSTRAP_ALLOW_NET")]
    pub allow_net: Option<String>,

    /// Environment variables to withhold from the guest (comma-separated names).
    /// `BOOTSTRAP_*` and `RUST_LOG` are always withheld.
    #[arg(long, env = "BOOTSTRAP_WITHHOLD_ENV", value_delimiter = ',')]
    pub withhold_env: Vec<String>,

    /// Directory the guest sees read-only at /code.
    /// [default: $FC_FUNC_CODE_PATH, else the module's directory]
    #[arg(long, env = "BOOTSTRAP_CODE_DIR")]
    pub code_dir: Option<PathBuf>,

    /// Where each instance's private /tmp is made (emptied when the instance goes).
    /// [default: the system temp directory]
    #[arg(long, env = "BOOTSTRAP_TMP_DIR")]
    pub tmp_dir: Option<PathBuf>,

    /// Disk all instances' /tmp may hold together (`512MB`, `10GB`; FC gives a
    /// function 512 MB by default, 10 GB at most). Past it a write fails with "no
    /// space".
    #[arg(long, env = "BOOTSTRAP_TMP_QUOTA", value_name = "SIZE", default_value = "512MB",
          value_parser = parse_size)]
    pub tmp_quota: u64,

    /// Descriptors (files, sockets) all guests may hold together. [default: the
    /// process's limit minus a reserve for the host and its connections]
    #[arg(long, env = "BOOTSTRAP_MAX_FDS")]
    pub max_fds: Option<usize>,

    /// Descriptors one instance may hold. [default: --max-fds]
    #[arg(long, env = "BOOTSTRAP_MAX_FDS_PER_INSTANCE")]
    pub max_fds_per_instance: Option<usize>,

    /// Let guests listen on TCP sockets (never on bootstrap's own port). A function
    /// gets its traffic through the runtime, so this is off by default.
    #[arg(long, env = "BOOTSTRAP_ALLOW_LISTEN", value_parser = BoolishValueParser::new())]
    pub allow_listen: bool,

    /// Ignore the limit headers (`x-fc-function-timeout`, `x-fc-initialization-timeout`,
    /// `x-fc-function-memory`): for a `bootstrap` reachable by clients other than FC
    /// (a container with a public port, Knative), so callers cannot raise their own
    /// limits. The flags and defaults apply instead.
    #[arg(long, env = "BOOTSTRAP_IGNORE_LIMIT_HEADERS", value_parser = BoolishValueParser::new())]
    pub ignore_limit_headers: bool,

    /// Run the module's initializer before the first call, as the platform does when
    /// a function has an initializer configured: `auto` does so unless on FC (where
    /// the platform sends `/initialize` itself), `on` always, `off` never.
    #[arg(long, env = "BOOTSTRAP_INITIALIZER", value_enum, default_value_t = Initializer::Auto)]
    pub initializer: Initializer,

    /// FC's id of this instance (FC sets it; its presence says `bootstrap` runs on FC).
    #[arg(long = "fc-instance-id", env = "FC_INSTANCE_ID", hide = true)]
    pub fc_instance_id: Option<String>,

    /// Where compiled modules are kept.
    #[command(flatten)]
    pub cache: CacheArgs,

    /// Write /tmp/perf-<pid>.map, so `perf report` names the guest's JIT-compiled
    /// functions (for profiling).
    #[arg(long, env = "BOOTSTRAP_PERF_MAP", value_parser = BoolishValueParser::new())]
    pub perf_map: bool,
}

/// Where compiled modules are kept across starts, swaps and builds.
#[derive(Clone, Debug, Args)]
pub struct CacheArgs {
    /// Where compiled modules are kept across starts and swaps, keyed by the module's
    /// hash; `none` compiles at every load. [default: $XDG_CACHE_HOME/bootstrap/compiled,
    /// else ~/.cache/bootstrap/compiled; none on FC, where `fcwasm package` ships
    /// the compiled module]
    #[arg(long, env = "BOOTSTRAP_CACHE_DIR", value_name = "DIR|none")]
    pub cache_dir: Option<PathBuf>,

    /// `$XDG_CACHE_HOME`, for the default `--cache-dir`.
    #[arg(long = "xdg-cache-home", env = "XDG_CACHE_HOME", hide = true)]
    pub xdg_cache_home: Option<String>,

    /// `$HOME`, for the default `--cache-dir`.
    #[arg(long = "home-dir", env = "HOME", hide = true)]
    pub home: Option<String>,
}

impl CacheArgs {
    /// `bootstrap`'s folder of the user's cache (`$XDG_CACHE_HOME/bootstrap`, else
    /// `~/.cache/bootstrap`), where the developer tools keep their toolchains too.
    pub fn user_cache_dir(&self) -> Option<PathBuf> {
        crate::compile_cache::user_cache_dir(self.xdg_cache_home.as_deref(), self.home.as_deref())
    }

    /// The cache these settings name; by default none `on_fc`, else the user's.
    pub(crate) fn compile_cache(&self, on_fc: bool) -> Option<CompileCache> {
        match &self.cache_dir {
            Some(dir) if dir.as_os_str() == "none" => None,
            Some(dir) => Some(CompileCache::new(dir.clone())),
            None if on_fc => None,
            None => CompileCache::default_dir(self.xdg_cache_home.as_deref(), self.home.as_deref())
                .map(CompileCache::new),
        }
    }
}

/// When the initializer runs without a `/initialize` call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Initializer {
    /// Before the first call, unless on FC.
    Auto,
    /// Before the first call.
    On,
    /// Only when `/initialize` is called.
    Off,
}

impl CallArgs {
    /// Where compiled modules are kept, if anywhere (none by default on FC).
    pub(crate) fn compile_cache(&self) -> Option<CompileCache> {
        self.cache.compile_cache(self.on_fc())
    }

    /// Whether `bootstrap` runs on FC (the platform set its variables).
    fn on_fc(&self) -> bool {
        self.fc_instance_id.is_some() || self.fc_code_path.is_some()
    }

    /// Whether the initializer runs before the first call by itself.
    pub(crate) fn auto_initialize(&self) -> bool {
        match self.initializer {
            Initializer::On => true,
            Initializer::Off => false,
            Initializer::Auto => !self.on_fc(),
        }
    }

    /// The request limits these settings ask for.
    pub fn limits(&self) -> limits::Limits {
        limits::Limits {
            max_header_bytes: self.max_header_bytes,
            max_path_bytes: self.max_path_bytes,
            max_body_bytes: self.max_body_bytes,
            max_async_body_bytes: self.max_async_body_bytes,
            max_response_bytes: self.max_response_bytes,
        }
    }

    /// The per-call limits these settings ask for.
    pub fn call_policy(&self) -> policy::CallPolicy {
        policy::CallPolicy {
            function_timeout: self.function_timeout,
            initialization_timeout: self.initialization_timeout,
            hook_timeout: self.hook_timeout,
            queue_timeout: self.queue_timeout,
            memory_mb: self.memory_limit_mb,
            ignore_limit_headers: self.ignore_limit_headers,
        }
    }

    /// The guest's grants: the environment of `vars` minus withheld names, the code
    /// directory, a fresh `/tmp` root with its quota, the descriptors of `fds`, the
    /// network policy; `host_port` is the port no guest may bind.
    pub(crate) fn grants(
        &self,
        vars: impl IntoIterator<Item = (String, String)>,
        module: &Path,
        fds: &sandbox::fds::FdPlan,
        host_port: Option<u16>,
    ) -> anyhow::Result<sandbox::Grants> {
        let net = match &self.allow_net {
            Some(list) => sandbox::NetPolicy::allow_list(list).context("bad --allow-net")?,
            None => sandbox::NetPolicy::Open,
        };
        let code_dir = self
            .code_dir
            .clone()
            .or_else(|| self.fc_code_path.clone())
            .or_else(|| module_dir(module))
            .filter(|dir| dir.is_dir());
        let module_files = sandbox::files::module_files_path(module);
        sandbox::files::mounts(&module_files, &mut |path, reason| {
            tracing::warn!("not mounting `{}`: {reason}", path.display())
        });
        let parent = self.tmp_dir.clone().unwrap_or_else(std::env::temp_dir);
        let tmp_root = sandbox::tmp::TmpRoot::create(&parent)?;
        let quota = sandbox::quota::DiskQuota::new(tmp_root.path(), self.tmp_quota);
        Ok(sandbox::Grants {
            env: sandbox::guest_env(vars, &[ENV_PREFIX, LEGACY_ENV_PREFIX], &self.withhold_env)
                .into(),
            code_dir,
            module_files,
            quota: std::sync::Arc::new(quota),
            tmp_root,
            fds: sandbox::fds::FdPool::new(fds),
            memory: sandbox::memory::SharedMemory::new(),
            net,
            allow_listen: self.allow_listen,
            host_port,
            instance_id: self.fc_instance_id.clone().unwrap_or_default().into(),
        })
    }

    /// How the process's descriptors are shared, for a server of `connections`.
    pub(crate) fn fd_plan(&self, nofile: usize, connections: usize) -> sandbox::fds::FdPlan {
        sandbox::fds::FdPlan::new(nofile, connections, self.max_fds, self.max_fds_per_instance)
    }
}

impl ServeArgs {
    /// The bounds on request heads, for at most `connections` connections.
    pub(crate) fn server_limits(&self, connections: usize) -> crate::server::ServerLimits {
        crate::server::ServerLimits::new(
            connections,
            self.header_read_timeout,
            self.call.max_header_bytes,
            self.call.max_path_bytes,
        )
    }

    /// The port to listen on: `--port`, else `$FC_SERVER_PORT`, else
    /// `$FC_CUSTOM_LISTEN_PORT`, else the config file's `port`, else 9000. Empty
    /// variables count as unset.
    pub fn port(&self) -> anyhow::Result<u16> {
        let (flag, file) = match self.port_from_file {
            true => (None, self.port),
            false => (self.port, None),
        };
        resolve_port(
            flag,
            file,
            &[
                ("FC_SERVER_PORT", self.fc_server_port.as_deref()),
                (
                    "FC_CUSTOM_LISTEN_PORT",
                    self.fc_custom_listen_port.as_deref(),
                ),
            ],
        )
    }
}

/// A size in bytes: a whole number, or one with a binary unit (`KB`, `MB`, `GB`; `KiB`
/// and the like too).
pub(crate) fn parse_size(value: &str) -> Result<u64, String> {
    let value = value.trim();
    let digits = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{value}` is not a size such as `512MB`"))?;
    let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{value}`: use KB, MB or GB"
            ));
        }
    };
    number
        .checked_mul(scale)
        .ok_or_else(|| format!("`{value}` is too large"))
}

#[cfg(test)]
impl CallArgs {
    /// The settings of no flags at all.
    pub(crate) fn default_for_tests() -> Self {
        Cli::try_parse_from(["bootstrap"]).unwrap().serve.call
    }
}

/// Most instances: a whole number from 1 to 65535.
fn parse_max_instances(value: &str) -> Result<usize, String> {
    match value.parse::<u16>() {
        Ok(n) if n > 0 => Ok(usize::from(n)),
        _ => Err(format!("expected a whole number from 1 to {}", u16::MAX)),
    }
}

/// The flag's port, else the first non-empty variable's, else [`DEFAULT_PORT`].
fn resolve_port(
    flag: Option<u16>,
    file: Option<u16>,
    variables: &[(&str, Option<&str>)],
) -> anyhow::Result<u16> {
    if let Some(port) = flag {
        return Ok(port);
    }
    for (name, value) in variables {
        match value.map(str::trim) {
            Some(value) if !value.is_empty() => {
                return value
                    .parse()
                    .with_context(|| format!("`{name}` is not a port number: `{value}`"));
            }
            _ => {}
        }
    }
    Ok(file.unwrap_or(DEFAULT_PORT))
}

/// The module to load: the flag (or `$BOOTSTRAP_MODULE`) as given, else the first
/// `handler.wasm` that exists beside the executable or in the code directory.
pub(crate) fn locate_module(
    flag: Option<&Path>,
    exe_dir: Option<&Path>,
    code_dir: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    if let Some(path) = flag {
        return Ok(path.to_path_buf());
    }
    let candidates: Vec<PathBuf> = [exe_dir, code_dir]
        .into_iter()
        .flatten()
        .map(|dir| dir.join(MODULE_FILE_NAME))
        .collect();
    if let Some(found) = candidates.iter().find(|path| path.is_file()) {
        return Ok(found.clone());
    }
    let looked: Vec<String> = candidates
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect();
    bail!(
        "no module found: pass --module or set BOOTSTRAP_MODULE (looked for {})",
        if looked.is_empty() {
            "nothing".to_string()
        } else {
            looked.join(", ")
        }
    )
}

/// The folder of `module`: `.` for a bare file name (`--module handler.wasm`).
fn module_dir(module: &Path) -> Option<PathBuf> {
    let parent = module.parent()?;
    Some(if parent.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        parent.to_path_buf()
    })
}

/// Names of leftover `FC_WASM_*` variables (which FC does not let a user set, and this
/// version no longer reads), each with the variable that replaced it.
pub(crate) fn legacy_variables(vars: impl IntoIterator<Item = String>) -> Vec<(String, String)> {
    vars.into_iter()
        .filter_map(|name| {
            let setting = name.strip_prefix(LEGACY_ENV_PREFIX)?;
            Some((name.clone(), format!("{ENV_PREFIX}{setting}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command's long flags are distinct (clap checks this only in debug builds,
    /// and the tests run in release).
    #[test]
    fn no_command_has_two_flags_of_one_name() {
        use clap::CommandFactory as _;
        fn check(command: &clap::Command, path: &str) {
            let mut seen = std::collections::HashSet::new();
            for arg in command.get_arguments() {
                if let Some(long) = arg.get_long() {
                    assert!(seen.insert(long), "`{path}` has two `--{long}` flags");
                }
            }
            for sub in command.get_subcommands() {
                let mut sub = sub.clone();
                sub.build();
                check(&sub, &format!("{path} {}", sub.get_name()));
            }
        }
        let mut cli = Cli::command();
        cli.build();
        check(&cli, "bootstrap");
    }

    #[test]
    fn port_precedence() {
        let both = [
            ("FC_SERVER_PORT", Some("9100")),
            ("FC_CUSTOM_LISTEN_PORT", Some("9200")),
        ];
        assert_eq!(resolve_port(Some(1), Some(2), &both).unwrap(), 1);
        assert_eq!(resolve_port(None, Some(2), &both).unwrap(), 9100);
        let custom = [
            ("FC_SERVER_PORT", None),
            ("FC_CUSTOM_LISTEN_PORT", Some("9200")),
        ];
        assert_eq!(resolve_port(None, Some(2), &custom).unwrap(), 9200);
        assert_eq!(resolve_port(None, Some(2), &[]).unwrap(), 2);
        assert_eq!(resolve_port(None, None, &[]).unwrap(), DEFAULT_PORT);
    }

    #[test]
    fn empty_port_variable_is_unset() {
        let vars = [
            ("FC_SERVER_PORT", Some(" ")),
            ("FC_CUSTOM_LISTEN_PORT", Some("9200")),
        ];
        assert_eq!(resolve_port(None, None, &vars).unwrap(), 9200);
    }

    #[test]
    fn port_zero_is_allowed() {
        assert_eq!(
            resolve_port(None, None, &[("FC_SERVER_PORT", Some("0"))]).unwrap(),
            0
        );
    }

    #[test]
    fn malformed_port_names_the_variable() {
        let err = resolve_port(None, None, &[("FC_SERVER_PORT", Some("http"))]).unwrap_err();
        assert_eq!(format!("{err:#}").lines().count(), 1);
        assert!(format!("{err:#}").contains("`FC_SERVER_PORT` is not a port number: `http`"));
    }

    #[test]
    fn the_port_variables_are_read_through_clap() {
        let cli = Cli::try_parse_from(["bootstrap", "--fc-server-port", "9100"]).unwrap();
        assert_eq!(cli.serve.port().unwrap(), 9100);
    }

    #[test]
    fn durations_take_units_and_none() {
        let cli = Cli::try_parse_from([
            "bootstrap",
            "--function-timeout",
            "none",
            "--initialization-timeout",
            "90s",
            "--hook-timeout",
            "1500ms",
        ])
        .unwrap();
        let call = cli.serve.call;
        assert_eq!(call.function_timeout, Some(TimeLimit::Unlimited));
        assert_eq!(
            call.initialization_timeout,
            Some(TimeLimit::After(Duration::from_secs(90)))
        );
        assert_eq!(call.hook_timeout, Duration::from_millis(1500));
        assert_eq!(call.queue_timeout, policy::DEFAULT_QUEUE_TIMEOUT);
        let defaults = Cli::try_parse_from(["bootstrap"]).unwrap().serve;
        assert_eq!(defaults.call.hook_timeout, policy::DEFAULT_HOOK_TIMEOUT);
        assert_eq!(defaults.header_read_timeout, Duration::from_secs(10));
        assert!(Cli::try_parse_from(["bootstrap", "--hook-timeout", "soon"]).is_err());
    }

    #[test]
    fn sizes_take_binary_units() {
        assert_eq!(parse_size("512MB"), Ok(512 << 20));
        assert_eq!(parse_size("10 GB"), Ok(10 << 30));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("1kib"), Ok(1024));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5TB").is_err());
        let defaults = Cli::try_parse_from(["bootstrap"]).unwrap().serve.call;
        assert_eq!(defaults.tmp_quota, crate::sandbox::quota::DEFAULT_TMP_QUOTA);
    }

    #[test]
    fn module_flag_wins() {
        let path = locate_module(Some(Path::new("x.wasm")), None, None).unwrap();
        assert_eq!(path, Path::new("x.wasm"));
    }

    #[test]
    fn module_found_beside_exe_then_in_code_dir() {
        let exe = tempfile::tempdir().unwrap();
        let code = tempfile::tempdir().unwrap();
        std::fs::write(code.path().join(MODULE_FILE_NAME), b"").unwrap();
        assert_eq!(
            locate_module(None, Some(exe.path()), Some(code.path())).unwrap(),
            code.path().join(MODULE_FILE_NAME)
        );
        std::fs::write(exe.path().join(MODULE_FILE_NAME), b"").unwrap();
        assert_eq!(
            locate_module(None, Some(exe.path()), Some(code.path())).unwrap(),
            exe.path().join(MODULE_FILE_NAME)
        );
    }

    #[test]
    fn missing_module_names_where_it_looked() {
        let err = locate_module(None, Some(Path::new("/nonexistent/a")), None).unwrap_err();
        assert!(
            err.to_string().contains("`/nonexistent/a/handler.wasm`"),
            "{err}"
        );
    }

    #[test]
    fn the_code_directory_of_a_bare_module_name_is_the_working_directory() {
        assert_eq!(
            module_dir(Path::new("handler.wasm")),
            Some(PathBuf::from("."))
        );
        assert_eq!(
            module_dir(Path::new("a/handler.wasm")),
            Some(PathBuf::from("a"))
        );
        assert_eq!(module_dir(Path::new("/h.wasm")), Some(PathBuf::from("/")));
    }

    #[test]
    fn legacy_variables_name_their_replacement() {
        let found = legacy_variables(["FC_WASM_MAX_INSTANCES".into(), "FC_REGION".into()]);
        assert_eq!(
            found,
            [(
                "FC_WASM_MAX_INSTANCES".to_string(),
                "BOOTSTRAP_MAX_INSTANCES".to_string()
            )]
        );
    }
}
