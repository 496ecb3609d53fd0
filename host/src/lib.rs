//! `bootstrap`: a Function Compute custom runtime that forwards the platform's calls
//! into a WebAssembly component through the `fc:runtime` WIT contract.
//!
//! The layers, outside in: [`server`] owns sockets; [`router::Router::handle`] turns one
//! request into one FC response; [`pool::Pool`] lends long-lived guest instances;
//! [`engine`] owns wasmtime. [`fc`] is the pure protocol code.

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod bindings;
pub mod config;
pub mod engine;
pub mod error;
pub mod fc;
mod instance;
pub mod logs;
pub mod policy;
pub mod pool;
pub mod router;
pub mod sandbox;
pub mod server;
mod state;
mod stdio;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;

pub use config::{Cli, ServeArgs};
pub use error::HostError;
pub use logs::LogSink;
pub use router::Router;
pub use server::Server;

/// Loads the module and binds the listener: everything that can fail at start-up,
/// checked before the first request.
pub async fn start(args: &ServeArgs, sink: LogSink) -> anyhow::Result<Server> {
    let port = config::resolve_port(args.port, |name| std::env::var(name).ok())?;
    let module_path = config::locate_module(
        args.module.as_deref(),
        executable_dir().as_deref(),
        std::env::var_os(config::ENV_CODE_PATH)
            .map(PathBuf::from)
            .as_deref(),
    )?;
    let engine = engine::WasmEngine::new(args.max_instances)?;
    let module = Arc::new(engine.load(&module_path)?);
    tracing::info!(
        "loaded `{}` (exports: {})",
        module.path().display(),
        module.exports().names().join(", ")
    );
    let grants = args.grants(std::env::vars(), &module_path)?;
    std::fs::create_dir_all(&grants.tmp_root)
        .with_context(|| format!("cannot create `{}`", grants.tmp_root.display()))?;
    let pool = pool::Pool::new(
        module,
        grants,
        args.call_policy(),
        args.max_instances,
        sink.clone(),
    );
    let router = Router::new(pool, sink, args.limits());
    Server::bind(SocketAddr::new(args.listen, port), router).await
}

/// Runs `bootstrap` until SIGTERM or SIGINT.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let server = start(&cli.serve, LogSink::Stdout).await?;
        tracing::info!("listening on {}", server.local_addr()?);
        let router = std::sync::Arc::clone(server.router());
        server.run(shutdown_signal()).await;
        router.shutdown().await;
        Ok(())
    })
}

fn executable_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    exe.parent().map(PathBuf::from)
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
