//! `bootstrap`: a Function Compute custom runtime that forwards the platform's calls
//! into a WebAssembly component through the `fc:runtime` WIT contract.
//!
//! This crate is the runtime, what an FC instance runs beside untrusted guests, and
//! nothing else: the developer tool, `fcwasm` (build, compile, invoke, package,
//! new), is another crate that uses this one, so both run the same code.
//!
//! The layers, outside in: the server owns sockets; [`Router::handle`] turns one
//! request into a call and its outcome into one FC response; the pool runs each call as
//! one unit (a slot, an instance of one generation, the guest call under its budget,
//! its Start and End lines); the engine owns wasmtime; [`Reloader`] swaps new module
//! versions in. The `fc` module is the pure protocol code the rest builds on.

#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod backtraces;
mod bindings;
mod body;
mod call;
mod compile_cache;
mod compiler;
mod config;
mod config_file;
mod digest;
mod engine;
mod error;
mod fc;
mod frame;
mod guards;
mod guest_context;
mod instance;
mod logs;
mod native_code;
mod policy;
mod pool;
mod reload;
mod replace_file;
mod reply;
mod router;
mod sandbox;
mod server;
mod state;
mod stdio;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
// Linked for its `memcpy` and `memmove`, which replace musl's in every executable
// built on the host (bootstrap, its tests and benchmarks).
#[cfg(all(target_arch = "x86_64", target_env = "musl"))]
use musl_mem as _;

/// mimalloc, not the C library's allocator, in every executable built on the host:
/// musl's (the static build's) is several times slower under concurrent calls, and
/// glibc's no faster (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub use backtraces::turn_off_library_backtraces;
pub use body::{BoxError, HostBody, HostResponse};
pub use compiler::Compiler;
pub use config::{
    CONFIG_FILE_NAME, CacheArgs, CallArgs, Cli, DEFAULT_MAX_INSTANCES, DEFAULT_PORT, Initializer,
    MODULE_FILE_NAME, ServeArgs,
};
pub use config_file::{check_config_file, config_defaults};
pub use engine::precompiled_path;
pub use error::HostError;
pub use fc::headers;
pub use logs::LogSink;
pub use policy::TimeLimit;
pub use pool::SwapError;
pub use reload::{ReloadError, Reloader};
pub use replace_file::replace_file;
pub use reply::PeerAddr;
pub use router::Router;
pub use sandbox::files::module_files_path;
pub use server::Server;

/// A module loaded and ready to serve: the engine, the pool of its instances, and the
/// router in front of them.
#[derive(Debug)]
pub struct Host {
    engine: engine::WasmEngine,
    module_path: PathBuf,
    pool: Arc<pool::Pool>,
    router: Arc<Router>,
}

impl Host {
    /// Finds, compiles and links the module of `call`, with a pool of at most
    /// `max_instances` instances writing their log to `sink` (for running calls
    /// without a server: the guests get the process's descriptors but the host's
    /// reserve).
    pub fn load(call: &CallArgs, max_instances: usize, sink: LogSink) -> anyhow::Result<Self> {
        let fds = call.fd_plan(sandbox::fds::raise_nofile(), 0);
        Self::load_with(call, max_instances, &fds, None, sink)
    }

    /// Like [`Host::load`], sharing descriptors as `fds` says, with `host_port` the
    /// server's own port (which guests may not bind).
    fn load_with(
        call: &CallArgs,
        max_instances: usize,
        fds: &sandbox::fds::FdPlan,
        host_port: Option<u16>,
        sink: LogSink,
    ) -> anyhow::Result<Self> {
        let module_path = config::locate_module(
            call.module.as_deref(),
            executable_dir().as_deref(),
            call.fc_code_path.as_deref(),
        )?;
        let engine =
            engine::WasmEngine::new(max_instances, call.perf_map)?.with_cache(call.compile_cache());
        let module = Arc::new(engine.load(&module_path)?);
        tracing::info!(
            "loaded `{}` (exports: {})",
            module.path().display(),
            module.exports().names().join(", ")
        );
        let config = pool::PoolConfig {
            grants: call.grants(std::env::vars(), &module_path, fds, host_port)?,
            policy: call.call_policy(),
            limits: call.limits(),
            max_instances,
            sink,
            auto_initialize: call.auto_initialize(),
        };
        let pool = Arc::new(pool::Pool::new(module, config));
        let router = Arc::new(Router::new(Arc::clone(&pool)));
        Ok(Host {
            engine,
            module_path,
            pool,
            router,
        })
    }

    /// The router serving calls.
    pub fn router(&self) -> &Arc<Router> {
        &self.router
    }

    /// Where the module was found.
    pub fn module_path(&self) -> &Path {
        &self.module_path
    }

    /// A reloader of this host's module file.
    pub fn reloader(&self) -> Arc<Reloader> {
        Reloader::new(
            self.engine.clone(),
            Arc::clone(&self.pool),
            self.module_path.clone(),
        )
    }
}

/// Loads the module and binds the listener (everything that can fail at start-up,
/// checked before the first request), and starts watching the module with `--watch`.
pub async fn start(args: &ServeArgs, sink: LogSink) -> anyhow::Result<Server> {
    let addr = SocketAddr::new(args.listen, args.port()?);
    let listener = server::listen(addr).await?;
    let port = listener.local_addr()?.port();
    let fds = args
        .call
        .fd_plan(sandbox::fds::raise_nofile(), args.max_connections);
    if fds.connections < args.max_connections {
        tracing::warn!(
            "at most {} connections: the process may open too few descriptors for {}",
            fds.connections,
            args.max_connections
        );
    }
    let host = Host::load_with(&args.call, args.max_instances, &fds, Some(port), sink)?;
    let reloader = host.reloader();
    if args.watch {
        reloader.watch()?;
    }
    let limits = args.server_limits(fds.connections);
    Ok(Server::new(listener, host.router, reloader, limits))
}

/// Runs the command line: serve until SIGTERM or SIGINT.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    warn_about_legacy_variables();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(cli.serve))
}

/// The `bootstrap` executable: parse the command line (with the config file's
/// settings), start the host's diagnostics on stderr, serve. Errors print as one line.
pub fn main() -> std::process::ExitCode {
    turn_off_library_backtraces();
    start_logging();
    let outcome = refuse_moved_command(std::env::args_os().nth(1))
        .and_then(|()| Cli::load())
        .and_then(run);
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line: the chain of causes joined by ": ".
            let message = format!("{error:#}").replace('\n', " ");
            eprintln!("bootstrap: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `bootstrap build` and the other developer commands are `fcwasm`'s now: say so
/// rather than clap's "unexpected argument".
fn refuse_moved_command(first: Option<std::ffi::OsString>) -> anyhow::Result<()> {
    match first.as_ref().and_then(|arg| arg.to_str()) {
        Some(command) if config::MOVED_COMMANDS.contains(&command) => anyhow::bail!(
            "`bootstrap {command}` is `fcwasm {command}` now: `bootstrap` is the runtime, \
             `fcwasm` the developer tool (both are installed by `cargo install --locked --path cli`)"
        ),
        _ => Ok(()),
    }
}

/// The host's own diagnostics: stderr, filtered by `RUST_LOG` (default `info`).
pub fn start_logging() {
    use std::io::IsTerminal as _;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let server = start(&args, LogSink::Stdout).await?;
    tracing::info!("listening on {}", server.local_addr()?);
    reload_on_hangup(Arc::clone(server.reloader()));
    let router = Arc::clone(server.router());
    server.run(shutdown_signal()).await;
    router.shutdown().await;
    logs::flush_stdout();
    Ok(())
}

/// `FC_WASM_*` settings of earlier versions are no longer read (FC refuses to set
/// them anyway): say which variable replaced each.
fn warn_about_legacy_variables() {
    let names = std::env::vars_os().filter_map(|(name, _)| name.into_string().ok());
    for (old, new) in config::legacy_variables(names) {
        tracing::warn!("`{old}` is not read any more (FC reserves the FC_ prefix): set `{new}`");
    }
}

fn executable_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    exe.parent().map(PathBuf::from)
}

/// Reloads the module on every SIGHUP.
fn reload_on_hangup(reloader: Arc<Reloader>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: reload with --watch instead");
            return;
        };
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                tracing::info!("SIGHUP: reloading");
                let _ = reloader.reload().await;
            }
        });
    }
    #[cfg(not(unix))]
    let _ = reloader;
}

/// Resolves on SIGTERM (the platform stopping the instance) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {},
                    _ = terminate.recv() => {},
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
