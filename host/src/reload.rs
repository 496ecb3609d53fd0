//! Hot swap: on a change of the module file (`--watch`) or SIGHUP, compile the new
//! version off the request path, validate it (one instance, initialized when the
//! initializer has run) and make it current; a version that does not compile, link or
//! initialize leaves the old one serving, with one line saying why.

use std::ffi::OsStr;
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
    /// directory follows a file replaced by rename, as cargo does when it rebuilds. A
    /// file renamed into place in its directory, or closed by its writer, is complete:
    /// it is reloaded at once; any other change waits until the file has been quiet for
    /// [`DEBOUNCE`].
    pub(crate) fn watch(self: &Arc<Self>) -> anyhow::Result<()> {
        let (changes, mut changed) = mpsc::unbounded_channel();
        let name = self.path.file_name().map(ToOwned::to_owned);
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Some(change) = event
                    .ok()
                    .and_then(|event| Change::of(&event, name.as_deref()?))
                {
                    let _ = changes.send(change);
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
            while burst_ended(&mut changed).await {
                if reloader.path.exists() {
                    let _ = reloader.reload().await;
                }
            }
        });
        tracing::info!("watching `{}` for changes", self.path.display());
        Ok(())
    }
}

/// Waits for the next burst of changes to end; `false` when the watcher is gone. A
/// burst is the changes already queued (those that came during a reload included) and
/// any that follow within [`DEBOUNCE`] of each other; it ends at once when its latest
/// change leaves the file complete, so a writer closing the file in a loop costs one
/// reload per burst, not one per close.
async fn burst_ended(changed: &mut mpsc::UnboundedReceiver<Change>) -> bool {
    let Some(mut latest) = changed.recv().await else {
        return false;
    };
    loop {
        while let Ok(next) = changed.try_recv() {
            latest = next;
        }
        if latest == Change::Complete {
            return true;
        }
        match tokio::time::timeout(DEBOUNCE, changed.recv()).await {
            Ok(Some(next)) => latest = next,
            Ok(None) => return false,
            Err(_quiet) => return true,
        }
    }
}

/// A change of the module file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    /// The file is whole: renamed into place, or closed by the process that wrote it.
    Complete,
    /// Written, created, removed or changed otherwise: more may follow.
    Partial,
}

impl Change {
    /// What `event` means for the file called `name` in the watched directory; `None`
    /// when it does not touch it, or only reads it (our own compile does).
    fn of(event: &notify::Event, name: &OsStr) -> Option<Change> {
        use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind, RenameMode};
        let is_module = |path: &PathBuf| path.file_name() == Some(name);
        match event.kind {
            // A rename in the directory is reported as "moved in" and then as the pair
            // (whose last path is where the file went): the pair is the complete file.
            // A file moved in from elsewhere gets no pair, so its "moved in" waits.
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => event
                .paths
                .last()
                .filter(|path| is_module(path))
                .map(|_| Change::Complete),
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => event
                .paths
                .iter()
                .any(is_module)
                .then_some(Change::Complete),
            EventKind::Access(_) => None,
            _ => event.paths.iter().any(is_module).then_some(Change::Partial),
        }
    }
}

fn watched_directory(module: &Path) -> PathBuf {
    match module.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{
        AccessKind, AccessMode, CreateKind, DataChange, EventKind, ModifyKind, RenameMode,
    };

    fn event(kind: EventKind, paths: &[&str]) -> notify::Event {
        paths.iter().fold(notify::Event::new(kind), |event, path| {
            event.add_path(path.into())
        })
    }

    fn change(kind: EventKind, paths: &[&str]) -> Option<Change> {
        Change::of(&event(kind, paths), OsStr::new("handler.wasm"))
    }

    #[test]
    fn a_file_renamed_into_place_or_closed_by_its_writer_is_complete() {
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        assert_eq!(
            change(renamed, &["/d/handler.new", "/d/handler.wasm"]),
            Some(Change::Complete)
        );
        let closed = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert_eq!(change(closed, &["/d/handler.wasm"]), Some(Change::Complete));
    }

    #[test]
    fn writes_and_creations_wait_for_quiet() {
        let written = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        assert_eq!(change(written, &["/d/handler.wasm"]), Some(Change::Partial));
        let moved_in = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        assert_eq!(
            change(moved_in, &["/d/handler.wasm"]),
            Some(Change::Partial)
        );
        let created = EventKind::Create(CreateKind::File);
        assert_eq!(change(created, &["/d/handler.wasm"]), Some(Change::Partial));
        // Renamed away: the module is gone, not complete.
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        assert_eq!(change(renamed, &["/d/handler.wasm", "/d/old.wasm"]), None);
    }

    fn queued(changes: &[Change]) -> (Sender, mpsc::UnboundedReceiver<Change>) {
        let (send, receive) = mpsc::unbounded_channel();
        for change in changes {
            send.send(*change).unwrap();
        }
        (send, receive)
    }

    type Sender = mpsc::UnboundedSender<Change>;

    /// Whether the burst ends without waiting: `burst_ended` is polled once, first.
    async fn ends_at_once(changed: &mut mpsc::UnboundedReceiver<Change>) -> bool {
        tokio::select! {
            biased;
            ended = burst_ended(changed) => ended,
            () = std::future::ready(()) => false,
        }
    }

    #[tokio::test]
    async fn changes_queued_during_a_reload_are_one_burst() {
        let (_open, mut changed) = queued(&[Change::Complete, Change::Partial, Change::Complete]);
        assert!(ends_at_once(&mut changed).await, "a complete file waited");
        assert!(
            changed.is_empty(),
            "the burst left changes for another reload"
        );
    }

    #[tokio::test]
    async fn a_burst_ending_in_a_write_waits_for_quiet() {
        let (_open, mut changed) = queued(&[Change::Complete, Change::Partial]);
        assert!(
            !ends_at_once(&mut changed).await,
            "a partial file was loaded at once"
        );
        let (_open, mut changed) = queued(&[Change::Complete, Change::Partial]);
        assert!(burst_ended(&mut changed).await);
    }

    #[tokio::test]
    async fn a_gone_watcher_ends_the_loop() {
        let (send, mut changed) = mpsc::unbounded_channel::<Change>();
        drop(send);
        assert!(!burst_ended(&mut changed).await);
    }

    #[test]
    fn reads_and_other_files_are_not_changes() {
        let read = EventKind::Access(AccessKind::Close(AccessMode::Read));
        assert_eq!(change(read, &["/d/handler.wasm"]), None);
        let opened = EventKind::Access(AccessKind::Open(AccessMode::Any));
        assert_eq!(change(opened, &["/d/handler.wasm"]), None);
        let closed = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert_eq!(change(closed, &["/d/other.wasm"]), None);
        let written = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        assert_eq!(change(written, &["/d/handler.cwasm"]), None);
    }
}
