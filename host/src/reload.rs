//! Hot swap: on a change of the module file (`--watch`) or SIGHUP, compile the new
//! version off the request path, validate it (one instance, initialized when the
//! initializer has run) and make it current; a version that does not compile, link or
//! initialize leaves the old one serving, with one line saying why.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use notify::{RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

use crate::engine::WasmEngine;
use crate::pool::{Pool, SwapError};

/// How long a burst of writes to the module must be quiet before it is reloaded.
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(50);

/// Why a reload left the previous version serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReloadError {
    /// The new file could not be read, compiled or linked.
    #[error("{0}")]
    Load(String),
    /// No instance of it could be made, or its initializer failed.
    #[error(transparent)]
    Validate(#[from] SwapError),
}

/// Reloads one module file into a pool.
#[derive(Debug)]
pub struct Reloader {
    engine: WasmEngine,
    pool: Arc<Pool>,
    path: PathBuf,
}

impl Reloader {
    /// A reloader of `path` into `pool`.
    pub(crate) fn new(engine: WasmEngine, pool: Arc<Pool>, path: PathBuf) -> Arc<Self> {
        Arc::new(Reloader { engine, pool, path })
    }

    /// Compiles the module on a blocking thread, validates it and swaps it in; on
    /// failure the current version keeps serving and one line says why.
    pub async fn reload(&self) -> Result<(), ReloadError> {
        let result = self.try_reload().await;
        match &result {
            Ok(()) => tracing::info!("reloaded `{}`", self.path.display()),
            Err(error) => {
                let reason = error.to_string().replace('\n', " ");
                tracing::error!("reload failed, still serving the previous version: {reason}");
            }
        }
        result
    }

    async fn try_reload(&self) -> Result<(), ReloadError> {
        let engine = self.engine.clone();
        let path = self.path.clone();
        let loaded = tokio::task::spawn_blocking(move || engine.load(&path))
            .await
            .context("the compile task failed")
            .and_then(|module| module)
            .map_err(|error| ReloadError::Load(format!("{error:#}")))?;
        tracing::debug!("exports: {}", loaded.exports().names().join(", "));
        self.pool.swap(Arc::new(loaded)).await?;
        Ok(())
    }

    /// Watches the module file and reloads after each burst of changes. Watching the
    /// directory follows a file replaced by rename, as cargo does when it rebuilds.
    pub(crate) fn watch(self: &Arc<Self>) -> anyhow::Result<()> {
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
                    let _ = reloader.reload().await;
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
