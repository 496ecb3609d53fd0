//! The guests' `/tmp`: one root per `bootstrap` process, `bootstrap-<pid>-<random>`
//! under the system temp directory, made fresh (never an existing directory), holding
//! one fresh `instance-<random>` directory per instance. An instance's directory is
//! removed with the instance; the root at shutdown, and roots left by processes that
//! are gone are removed at start, on a thread of their own so that the start does not
//! wait for a killed predecessor's files (a container restarts with the same pid, so
//! names must not be predictable or reused).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use anyhow::Context as _;

/// Prefix of every root's name.
const ROOT_PREFIX: &str = "bootstrap-";

/// The roots this process made and still uses (a process may load several hosts:
/// `invoke`, tests), which are never stale.
static LIVE_ROOTS: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

fn live_roots() -> std::sync::MutexGuard<'static, Option<HashSet<PathBuf>>> {
    crate::logs::lock(&LIVE_ROOTS)
}

/// This process's root of the guests' `/tmp` directories.
#[derive(Debug)]
pub(crate) struct TmpRoot {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl TmpRoot {
    /// Makes a fresh root under `parent`, then starts removing the roots of processes
    /// that are gone (when there are any) on a thread of their own.
    pub(crate) fn create(parent: &Path) -> anyhow::Result<Arc<Self>> {
        Self::create_cleaning(parent).map(|(root, _cleanup)| root)
    }

    /// [`TmpRoot::create`], with the thread removing the stale roots, if one started.
    fn create_cleaning(parent: &Path) -> anyhow::Result<(Arc<Self>, Option<JoinHandle<()>>)> {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
        // Held from before the directory exists until it is listed as live, so another
        // host of this process scanning for stale roots never takes it for one.
        let mut live = live_roots();
        let dir = tempfile::Builder::new()
            .prefix(&format!("{ROOT_PREFIX}{}-", std::process::id()))
            .tempdir_in(parent)
            .with_context(|| format!("cannot create a directory in `{}`", parent.display()))?;
        live.get_or_insert_with(HashSet::new)
            .insert(dir.path().to_path_buf());
        drop(live);
        // Finding them is a directory listing; removing them may take long.
        let cleanup = remove_in_background(stale_roots(parent));
        let root = TmpRoot {
            path: dir.path().to_path_buf(),
            dir: Some(dir),
        };
        Ok((Arc::new(root), cleanup))
    }

    /// Where the instances' directories are made.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the root and everything in it now (at shutdown; instances still alive
    /// lose their files).
    pub(crate) fn remove_now(&self) {
        if let Err(error) = std::fs::remove_dir_all(&self.path) {
            tracing::warn!(%error, "cannot remove `{}`", self.path.display());
        }
    }
}

impl Drop for TmpRoot {
    fn drop(&mut self) {
        if let Some(set) = live_roots().as_mut() {
            set.remove(&self.path);
        }
        if let Some(dir) = self.dir.take() {
            remove_off_the_workers(dir);
        }
    }
}

/// A guest's private `/tmp`: a fresh host directory, removed with its instance.
#[derive(Debug)]
pub(crate) struct TmpDir {
    dir: Option<tempfile::TempDir>,
    /// Keeps the root alive (and so in place) while the instance is.
    _root: Arc<TmpRoot>,
}

impl TmpDir {
    /// Makes a new, empty directory under `root`; never one that already exists.
    pub(crate) fn create(root: &Arc<TmpRoot>) -> std::io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("instance-")
            .tempdir_in(root.path())?;
        Ok(TmpDir {
            dir: Some(dir),
            _root: Arc::clone(root),
        })
    }

    /// The directory on the host.
    pub(crate) fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |dir| dir.path())
    }
}

impl Drop for TmpDir {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            remove_off_the_workers(dir);
        }
    }
}

/// Removes a directory tree; on a blocking thread when an async runtime runs, since
/// removing a big tree must not stall a worker.
fn remove_off_the_workers(dir: tempfile::TempDir) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => drop(runtime.spawn_blocking(move || drop(dir))),
        Err(_) => drop(dir),
    }
}

/// Removes `stale` roots on a thread of its own, started only when there are some. When
/// no thread can start, they are left (with a warning) for the next start to remove:
/// serving matters more.
fn remove_in_background(stale: Vec<PathBuf>) -> Option<JoinHandle<()>> {
    if stale.is_empty() {
        return None;
    }
    let count = stale.len();
    std::thread::Builder::new()
        .name("stale-tmp".into())
        .spawn(move || stale.iter().for_each(|root| remove_stale_root(root)))
        .inspect_err(|error| {
            tracing::warn!(%error, "cannot start a thread: {count} stale /tmp roots are left for the next start");
        })
        .ok()
}

/// The roots under `parent` whose process is gone: `bootstrap-<pid>-…` where no
/// process `<pid>` runs, or `<pid>` is this process but the root is not one it made (an
/// earlier run of a container whose entry point had the same pid).
fn stale_roots(parent: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut stale = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = stale_root_pid(&name.to_string_lossy()) else {
            continue;
        };
        let ours = live_roots()
            .as_ref()
            .is_some_and(|set| set.contains(&entry.path()));
        let alive = if pid == std::process::id() {
            ours
        } else {
            Path::new(&format!("/proc/{pid}")).exists()
        };
        if !alive && entry.file_type().is_ok_and(|t| t.is_dir()) {
            stale.push(entry.path());
        }
    }
    stale
}

/// Removes one root of a process that is gone.
fn remove_stale_root(root: &Path) {
    match std::fs::remove_dir_all(root) {
        Ok(()) => tracing::info!(
            "removed `{}`, left by a process that is gone",
            root.display()
        ),
        Err(error) => tracing::debug!(%error, "cannot remove `{}`", root.display()),
    }
}

/// The pid in a root's name `bootstrap-<pid>-<random>`.
fn stale_root_pid(name: &str) -> Option<u32> {
    let (pid, random) = name.strip_prefix(ROOT_PREFIX)?.split_once('-')?;
    (!random.is_empty()).then_some(())?;
    pid.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_fresh_unpredictable_and_removed() {
        let parent = tempfile::tempdir().unwrap();
        let root = TmpRoot::create(parent.path()).unwrap();
        let a = TmpDir::create(&root).unwrap();
        let b = TmpDir::create(&root).unwrap();
        assert_ne!(a.path(), b.path());
        let name = a.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("instance-") && name.len() > "instance-".len() + 4,
            "{name}"
        );
        std::fs::write(a.path().join("f"), b"x").unwrap();
        let (a_path, root_path) = (a.path().to_path_buf(), root.path().to_path_buf());
        drop(a);
        assert!(!a_path.exists());
        drop(b);
        drop(root);
        assert!(!root_path.exists(), "the root goes with the last user");
    }

    #[test]
    fn roots_of_processes_that_are_gone_are_removed_at_start() {
        let parent = tempfile::tempdir().unwrap();
        let ours_before = parent
            .path()
            .join(format!("bootstrap-{}-earlier", std::process::id()));
        let dead = parent.path().join("bootstrap-999999999-x1");
        let alive = parent.path().join("bootstrap-1-x2");
        let other = parent.path().join("unrelated");
        for dir in [&ours_before, &dead, &alive, &other] {
            std::fs::create_dir(dir).unwrap();
            std::fs::write(dir.join("secret"), b"s").unwrap();
        }
        let (live, cleanup) = TmpRoot::create_cleaning(parent.path()).unwrap();
        cleanup.expect("stale roots to remove").join().unwrap();
        let (root, cleanup) = TmpRoot::create_cleaning(parent.path()).unwrap();
        assert!(cleanup.is_none(), "nothing stale is left: no thread");
        assert!(
            live.path().exists(),
            "a root this process uses is not stale"
        );
        assert!(
            !ours_before.exists(),
            "an earlier run with this pid left it"
        );
        assert!(!dead.exists());
        assert!(alive.exists(), "pid 1 runs");
        assert!(other.exists());
        assert_ne!(root.path(), ours_before);
    }

    #[test]
    fn hosts_starting_at_once_never_take_each_others_roots_for_stale() {
        let parent = tempfile::tempdir().unwrap();
        let hosts: Vec<_> = (0..8)
            .map(|_| {
                let parent = parent.path().to_path_buf();
                std::thread::spawn(move || {
                    (0..40)
                        .map(|_| TmpRoot::create_cleaning(&parent).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let created = hosts.into_iter().flat_map(|h| h.join().unwrap());
        let roots: Vec<_> = created
            .map(|(root, cleanup)| {
                if let Some(thread) = cleanup {
                    thread.join().unwrap();
                }
                root
            })
            .collect();
        let gone = roots.iter().filter(|root| !root.path().exists()).count();
        assert_eq!(gone, 0, "{gone} of {} live roots were removed", roots.len());
    }

    #[test]
    fn stale_root_names_carry_their_pid() {
        assert_eq!(stale_root_pid("bootstrap-42-abc"), Some(42));
        assert_eq!(stale_root_pid("bootstrap-42"), None);
        assert_eq!(stale_root_pid("bootstrap-x-abc"), None);
        assert_eq!(stale_root_pid("other-42-abc"), None);
    }
}
