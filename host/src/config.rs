//! Command-line flags and environment variables: one struct, with the defaults as
//! named constants and the rules for the port and the module's location.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};

use crate::fc::limits;
use crate::{policy, sandbox};

/// Port used when neither `--port` nor the platform's variables name one.
pub const DEFAULT_PORT: u16 = 9000;
/// Default most live instances: see [`ServeArgs::max_instances`] and the README.
pub const DEFAULT_MAX_INSTANCES: usize = 32;
/// The module file name looked for beside the executable and in the code directory.
pub const MODULE_FILE_NAME: &str = "handler.wasm";
/// The platform's port variable.
pub const ENV_SERVER_PORT: &str = "FC_SERVER_PORT";
/// The port variable of FC 3.0's configurable port.
pub const ENV_CUSTOM_LISTEN_PORT: &str = "FC_CUSTOM_LISTEN_PORT";
/// Where the platform unpacks the code.
pub const ENV_CODE_PATH: &str = "FC_FUNC_CODE_PATH";

/// `bootstrap`: a Function Compute custom runtime that runs a WebAssembly component.
///
/// It serves the platform's /initialize, /invoke and lifecycle calls by calling the
/// exports of `handler.wasm`. Every flag can also be set by the environment variable
/// shown beside it.
#[derive(Debug, Parser)]
#[command(
    name = "bootstrap",
    version,
    about,
    long_about,
    after_help = "Environment only: RUST_LOG filters the host's diagnostics on stderr \
                  (default info); FC_WASM_PERFMAP=1 writes /tmp/perf-<pid>.map for perf."
)]
pub struct Cli {
    /// A command other than serving.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Server settings (when no command is given).
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// What `bootstrap` can do besides serving.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Precompile a module, so `bootstrap` maps it at start instead of compiling:
    /// `bootstrap compile handler.wasm` writes `handler.cwasm` beside it.
    Compile(crate::commands::compile::CompileArgs),
    /// Run one call locally, without a server: the result body on stdout, the log on
    /// stderr, a non-zero exit code when the call fails.
    Invoke(Box<crate::commands::invoke::InvokeArgs>),
    /// Write `code.zip` for an FC custom runtime: this `bootstrap`, the module and its
    /// precompiled form, laid out as the platform expects.
    Package(crate::commands::package::PackageArgs),
}

/// Settings of the server.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// TCP port to listen on; 0 picks a free one (the bound address is printed).
    /// [default: $FC_SERVER_PORT, else $FC_CUSTOM_LISTEN_PORT, else 9000]
    #[arg(long)]
    pub port: Option<u16>,

    /// IP address to listen on.
    #[arg(long, env = "FC_WASM_LISTEN", default_value = "0.0.0.0")]
    pub listen: IpAddr,

    /// Reload the module when its file changes (calls in flight finish on the old
    /// version). SIGHUP reloads it too, with or without this flag.
    #[arg(long, env = "FC_WASM_WATCH")]
    pub watch: bool,

    /// Most guest instances alive at once, so most calls running at once; more wait.
    /// Set it to the function's instance concurrency.
    #[arg(long, env = "FC_WASM_MAX_INSTANCES", default_value_t = DEFAULT_MAX_INSTANCES,
          value_parser = parse_max_instances)]
    pub max_instances: usize,

    /// The module, limits and grants of every call.
    #[command(flatten)]
    pub call: CallArgs,
}

/// The module, and the limits and grants every call runs under.
#[derive(Clone, Debug, Args)]
pub struct CallArgs {
    /// The handler component (.wasm, or a precompiled .cwasm).
    /// [default: handler.wasm beside the executable, else in $FC_FUNC_CODE_PATH]
    #[arg(long, env = "FC_WASM_MODULE")]
    pub module: Option<PathBuf>,

    /// Largest request body of a synchronous call, in bytes (FC: 32 MB).
    #[arg(long, env = "FC_WASM_MAX_BODY_BYTES", default_value_t = limits::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Largest request body of an asynchronous call (`x-fc-invocation-type: Async`),
    /// in bytes (FC: 128 KB).
    #[arg(long, env = "FC_WASM_MAX_ASYNC_BODY_BYTES",
          default_value_t = limits::DEFAULT_MAX_ASYNC_BODY_BYTES)]
    pub max_async_body_bytes: usize,

    /// Largest total of request header names and values, in bytes (FC: 8 KB).
    #[arg(long, env = "FC_WASM_MAX_HEADER_BYTES", default_value_t = limits::DEFAULT_MAX_HEADER_BYTES)]
    pub max_header_bytes: usize,

    /// Largest request path plus query, in bytes (FC: 4 KB).
    #[arg(long, env = "FC_WASM_MAX_PATH_BYTES", default_value_t = limits::DEFAULT_MAX_PATH_BYTES)]
    pub max_path_bytes: usize,

    /// Largest response body, in bytes (as large as the largest request body).
    #[arg(long, env = "FC_WASM_MAX_RESPONSE_BYTES", default_value_t = limits::DEFAULT_MAX_RESPONSE_BYTES)]
    pub max_response_bytes: usize,

    /// Function timeout in seconds, overriding x-fc-function-timeout; 0 for none.
    /// [default: x-fc-function-timeout, else 60]
    #[arg(long, env = "FC_WASM_FUNCTION_TIMEOUT")]
    pub function_timeout: Option<u64>,

    /// Initializer timeout in seconds, overriding x-fc-initialization-timeout; 0 for
    /// none. [default: x-fc-initialization-timeout, else 60]
    #[arg(long, env = "FC_WASM_INITIALIZATION_TIMEOUT")]
    pub initialization_timeout: Option<u64>,

    /// Timeout of the pre-freeze and pre-stop hooks, in seconds.
    #[arg(long, env = "FC_WASM_HOOK_TIMEOUT", default_value_t = policy::DEFAULT_HOOK_TIMEOUT.as_secs())]
    pub hook_timeout: u64,

    /// How long a call waits for a free instance before it gets 503, in seconds.
    #[arg(long, env = "FC_WASM_QUEUE_TIMEOUT", default_value_t = policy::DEFAULT_QUEUE_TIMEOUT.as_secs())]
    pub queue_timeout: u64,

    /// Cap on each guest linear memory in MB, overriding x-fc-function-memory.
    /// [default: x-fc-function-memory, else 4096]
    #[arg(long, env = "FC_WASM_MEMORY_LIMIT_MB")]
    pub memory_limit_mb: Option<u64>,

    /// Hosts the guest may connect to: comma-separated `host`, `host:port`,
    /// `*.domain[:port]` or IP entries; `none` for no network. [default: anywhere]
    #[arg(long, env = "FC_WASM_ALLOW_NET")]
    pub allow_net: Option<String>,

    /// Environment variables to withhold from the guest (comma-separated names).
    /// `FC_WASM_*` and `RUST_LOG` are always withheld.
    #[arg(long, env = "FC_WASM_WITHHOLD_ENV", value_delimiter = ',')]
    pub withhold_env: Vec<String>,

    /// Directory the guest sees read-only at /code.
    /// [default: $FC_FUNC_CODE_PATH, else the module's directory]
    #[arg(long, env = "FC_WASM_CODE_DIR")]
    pub code_dir: Option<PathBuf>,

    /// Where each instance's private /tmp is made (emptied when the instance goes).
    /// [default: the system temp directory]
    #[arg(long, env = "FC_WASM_TMP_DIR")]
    pub tmp_dir: Option<PathBuf>,
}

impl CallArgs {
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
            hook_timeout: Duration::from_secs(self.hook_timeout),
            queue_timeout: Duration::from_secs(self.queue_timeout),
            memory_mb: self.memory_limit_mb,
        }
    }

    /// The guest's grants: the environment of `vars` minus withheld names, the code
    /// directory, a `/tmp` root private to this process, and the network policy.
    pub fn grants(
        &self,
        vars: impl IntoIterator<Item = (String, String)>,
        module: &Path,
    ) -> anyhow::Result<sandbox::Grants> {
        let net = match &self.allow_net {
            Some(list) => sandbox::NetPolicy::allow_list(list).context("bad --allow-net")?,
            None => sandbox::NetPolicy::Open,
        };
        let code_dir = self
            .code_dir
            .clone()
            .or_else(|| std::env::var_os(ENV_CODE_PATH).map(PathBuf::from))
            .or_else(|| module.parent().map(Path::to_path_buf))
            .filter(|dir| dir.is_dir());
        let tmp_root = self
            .tmp_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir)
            .join(format!("bootstrap-{}", std::process::id()));
        Ok(sandbox::Grants {
            env: sandbox::guest_env(vars, &self.withhold_env).into(),
            code_dir,
            tmp_root,
            net,
        })
    }
}

/// Most instances: a whole number from 1 to 65535.
fn parse_max_instances(value: &str) -> Result<usize, String> {
    match value.parse::<u16>() {
        Ok(n) if n > 0 => Ok(usize::from(n)),
        _ => Err(format!("expected a whole number from 1 to {}", u16::MAX)),
    }
}

/// The port to listen on: the flag, else `$FC_SERVER_PORT`, else
/// `$FC_CUSTOM_LISTEN_PORT`, else 9000. Empty variables count as unset.
pub fn resolve_port(
    flag: Option<u16>,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<u16> {
    if let Some(port) = flag {
        return Ok(port);
    }
    for name in [ENV_SERVER_PORT, ENV_CUSTOM_LISTEN_PORT] {
        match env(name) {
            Some(value) if !value.trim().is_empty() => {
                return value
                    .trim()
                    .parse()
                    .with_context(|| format!("`{name}` is not a port number: `{value}`"));
            }
            _ => {}
        }
    }
    Ok(DEFAULT_PORT)
}

/// The module to load: the flag (or `$FC_WASM_MODULE`) as given, else the first
/// `handler.wasm` that exists beside the executable or in the code directory.
pub fn locate_module(
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
        "no module found: pass --module or set FC_WASM_MODULE (looked for {})",
        if looked.is_empty() {
            "nothing".to_string()
        } else {
            looked.join(", ")
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn port_precedence() {
        let both = [(ENV_SERVER_PORT, "9100"), (ENV_CUSTOM_LISTEN_PORT, "9200")];
        assert_eq!(resolve_port(Some(1), env(&both)).unwrap(), 1);
        assert_eq!(resolve_port(None, env(&both)).unwrap(), 9100);
        assert_eq!(
            resolve_port(None, env(&[(ENV_CUSTOM_LISTEN_PORT, "9200")])).unwrap(),
            9200
        );
        assert_eq!(resolve_port(None, env(&[])).unwrap(), DEFAULT_PORT);
    }

    #[test]
    fn empty_port_variable_is_unset() {
        let vars = [(ENV_SERVER_PORT, ""), (ENV_CUSTOM_LISTEN_PORT, "9200")];
        assert_eq!(resolve_port(None, env(&vars)).unwrap(), 9200);
    }

    #[test]
    fn port_zero_is_allowed() {
        assert_eq!(
            resolve_port(None, env(&[(ENV_SERVER_PORT, "0")])).unwrap(),
            0
        );
    }

    #[test]
    fn malformed_port_names_the_variable() {
        let err = resolve_port(None, env(&[(ENV_SERVER_PORT, "http")])).unwrap_err();
        assert_eq!(format!("{err:#}").lines().count(), 1);
        assert!(format!("{err:#}").contains("`FC_SERVER_PORT` is not a port number: `http`"));
    }

    #[test]
    fn module_flag_wins() {
        let path = locate_module(Some(Path::new("x.wasm")), None, None).unwrap();
        assert_eq!(path, Path::new("x.wasm"));
    }

    #[test]
    fn module_found_beside_exe_then_in_code_dir() {
        let exe = std::env::temp_dir().join(format!("locate-exe-{}", std::process::id()));
        let code = std::env::temp_dir().join(format!("locate-code-{}", std::process::id()));
        std::fs::create_dir_all(&exe).unwrap();
        std::fs::create_dir_all(&code).unwrap();
        std::fs::write(code.join(MODULE_FILE_NAME), b"").unwrap();
        assert_eq!(
            locate_module(None, Some(&exe), Some(&code)).unwrap(),
            code.join(MODULE_FILE_NAME)
        );
        std::fs::write(exe.join(MODULE_FILE_NAME), b"").unwrap();
        assert_eq!(
            locate_module(None, Some(&exe), Some(&code)).unwrap(),
            exe.join(MODULE_FILE_NAME)
        );
        std::fs::remove_dir_all(&exe).unwrap();
        std::fs::remove_dir_all(&code).unwrap();
    }

    #[test]
    fn missing_module_names_where_it_looked() {
        let err = locate_module(None, Some(Path::new("/nonexistent/a")), None).unwrap_err();
        assert!(
            err.to_string().contains("`/nonexistent/a/handler.wasm`"),
            "{err}"
        );
    }
}
