//! `bootstrap`: a Function Compute custom runtime that forwards the platform's calls
//! into a WebAssembly component through the `fc:runtime` WIT contract.
//!
//! The layers, outside in: [`server`] owns sockets; [`router::Router::handle`] turns one
//! request into one FC response; [`pool::Pool`] lends long-lived guest instances;
//! [`engine`] owns wasmtime; [`reload`] swaps new module versions in. [`fc`] is the
//! pure protocol code; [`sandbox`] and [`policy`] say what a guest may use.

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod bindings;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod fc;
mod instance;
pub mod logs;
pub mod policy;
pub mod pool;
pub mod reload;
pub mod router;
pub mod sandbox;
pub mod server;
mod state;
mod stdio;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;

pub use config::{CallArgs, Cli, Command, ServeArgs};
pub use error::HostError;
pub use logs::LogSink;
pub use router::Router;
pub use server::Server;

/// A module loaded and ready to serve: the engine, the pool of its instances, and the
/// router in front of them.
#[derive(Debug)]
pub struct Host {
    /// The wasmtime engine (for reloads).
    pub engine: engine::WasmEngine,
    /// Where the module was found.
    pub module_path: PathBuf,
    /// The router serving calls.
    pub router: Arc<Router>,
}

impl Host {
    /// Finds, compiles and links the module of `call`, with a pool of at most
    /// `max_instances` instances writing their log to `sink`.
    pub fn load(call: &CallArgs, max_instances: usize, sink: LogSink) -> anyhow::Result<Self> {
        let module_path = config::locate_module(
            call.module.as_deref(),
            executable_dir().as_deref(),
            std::env::var_os(config::ENV_CODE_PATH)
                .map(PathBuf::from)
                .as_deref(),
        )?;
        let engine = engine::WasmEngine::new(max_instances)?;
        let module = Arc::new(engine.load(&module_path)?);
        tracing::info!(
            "loaded `{}` (exports: {})",
            module.path().display(),
            module.exports().names().join(", ")
        );
        let grants = call.grants(std::env::vars(), &module_path)?;
        std::fs::create_dir_all(&grants.tmp_root)
            .with_context(|| format!("cannot create `{}`", grants.tmp_root.display()))?;
        let pool = pool::Pool::new(
            module,
            grants,
            call.call_policy(),
            max_instances,
            sink.clone(),
        );
        let router = Arc::new(Router::new(Arc::new(pool), sink, call.limits()));
        Ok(Host {
            engine,
            module_path,
            router,
        })
    }

    /// A reloader of this host's module file.
    pub fn reloader(&self) -> Arc<reload::Reloader> {
        reload::Reloader::new(
            self.engine.clone(),
            Arc::clone(self.router.pool()),
            self.module_path.clone(),
        )
    }
}

/// Loads the module and binds the listener (everything that can fail at start-up,
/// checked before the first request), and starts watching the module with `--watch`.
pub async fn start(args: &ServeArgs, sink: LogSink) -> anyhow::Result<Server> {
    let port = config::resolve_port(args.port, |name| std::env::var(name).ok())?;
    let host = Host::load(&args.call, args.max_instances, sink)?;
    let reloader = host.reloader();
    if args.watch {
        reloader.watch()?;
    }
    Server::bind(SocketAddr::new(args.listen, port), host.router, reloader).await
}

/// Runs the command line: serve until SIGTERM or SIGINT, or run a command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match cli.command {
        None => runtime.block_on(serve(cli.serve)),
        Some(Command::Compile(args)) => commands::compile::run(&args),
        Some(Command::Invoke(args)) => runtime.block_on(commands::invoke::run(*args)),
        Some(Command::Package(args)) => commands::package::run(&args),
    }
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

fn executable_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    exe.parent().map(PathBuf::from)
}

/// Reloads the module on every SIGHUP.
fn reload_on_hangup(reloader: Arc<reload::Reloader>) {
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
                reloader.reload().await;
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
