//! Hot swap: on a change of the module file (`--watch`) or SIGHUP, compile the new
//! version off the request path and make it current; a version that does not compile or
//! link leaves the old one serving, with one line saying why.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use notify::{RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

use crate::engine::WasmEngine;
use crate::pool::Pool;

/// How long a burst of writes to the module must be quiet before it is reloaded.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// Reloads one module file into a pool.
#[derive(Debug)]
pub struct Reloader {
    engine: WasmEngine,
    pool: Arc<Pool>,
    path: PathBuf,
}

impl Reloader {
    /// A reloader of `path` into `pool`.
    pub fn new(engine: WasmEngine, pool: Arc<Pool>, path: PathBuf) -> Arc<Self> {
        Arc::new(Reloader { engine, pool, path })
    }

    /// Compiles the module on a blocking thread and swaps it in; on failure the
    /// current version keeps serving and the error is logged on one line.
    pub async fn reload(&self) -> bool {
        let engine = self.engine.clone();
        let path = self.path.clone();
        let loaded = tokio::task::spawn_blocking(move || engine.load(&path)).await;
        match loaded
            .context("the compile task failed")
            .and_then(|module| module)
        {
            Ok(module) => {
                tracing::info!(
                    "reloaded `{}` (exports: {})",
                    self.path.display(),
                    module.exports().names().join(", ")
                );
                self.pool.swap(Arc::new(module)).await;
                true
            }
            Err(error) => {
                let reason = format!("{error:#}").replace('\n', " ");
                tracing::error!("reload failed, still serving the previous version: {reason}");
                false
            }
        }
    }

    /// Watches the module file and reloads after each burst of changes. Watching the
    /// directory follows a file replaced by rename, as cargo does when it rebuilds.
    pub fn watch(self: &Arc<Self>) -> anyhow::Result<()> {
        let (changes, mut changed) = mpsc::unbounded_channel();
        let name = self.path.file_name().map(ToOwned::to_owned);
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                // Reading the file (our own compile does) is not a change.
                let touches_module = event.is_ok_and(|event| {
                    !event.kind.is_access()
                        && event
                            .paths
                            .iter()
                            .any(|path| path.file_name() == name.as_deref())
                });
                if touches_module {
                    let _ = changes.send(());
                }
            })
            .context("cannot watch files")?;
        let directory = watched_directory(&self.path);
        watcher
            .watch(&directory, RecursiveMode::NonRecursive)
            .with_context(|| format!("cannot watch `{}`", directory.display()))?;
        let reloader = Arc::clone(self);
        tokio::spawn(async move {
            let _watcher = watcher;
            while changed.recv().await.is_some() {
                while let Ok(Some(())) = tokio::time::timeout(DEBOUNCE, changed.recv()).await {}
                if reloader.path.exists() {
                    reloader.reload().await;
                }
            }
        });
        tracing::info!("watching `{}` for changes", self.path.display());
        Ok(())
    }
}

fn watched_directory(module: &Path) -> PathBuf {
    match module.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
