//! Compiled modules kept across starts and swaps: wasmtime's precompiled form of each
//! module, in a directory, named by a hash of the module's bytes and of the engine's
//! compatibility (wasmtime version and configuration). A module compiled once, by a
//! start, a swap or `fcwasm build`, is mapped instead of compiled from then on.

use std::hash::Hasher;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sha2::{Digest, Sha256};
use wasmtime::Engine;

/// How many compiled modules the cache keeps: the most recently used.
const KEPT: usize = 8;

/// The directory of compiled modules.
#[derive(Clone, Debug)]
pub(crate) struct CompileCache {
    dir: PathBuf,
}

impl CompileCache {
    /// A cache in `dir` (created when the first module is stored).
    pub(crate) fn new(dir: PathBuf) -> Self {
        CompileCache { dir }
    }

    /// The default directory: `compiled` in [`user_cache_dir`].
    pub(crate) fn default_dir(xdg_cache_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
        user_cache_dir(xdg_cache_home, home).map(|dir| dir.join("compiled"))
    }

    /// Whether the cache may be mapped from: its directory exists, belongs to this
    /// user and only this user may write in it. A compiled module is native code the
    /// host runs, so a directory others can write is never read (nor written).
    pub(crate) fn is_trusted(&self) -> Result<(), String> {
        use std::os::unix::fs::MetadataExt as _;
        let Ok(meta) = std::fs::metadata(&self.dir) else {
            return Ok(()); // created, 0700, when the first module is stored
        };
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(format!("`{}` belongs to another user", self.dir.display()));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(format!("others may write in `{}`", self.dir.display()));
        }
        Ok(())
    }

    /// Where the compiled form of `module` (its bytes) for `engine` is kept.
    pub(crate) fn path_for(&self, engine: &Engine, module: &[u8]) -> PathBuf {
        self.dir.join(format!("{}.cwasm", key(engine, module)))
    }

    /// Stores `compiled` at `path` (from [`CompileCache::path_for`]), atomically: a
    /// concurrent reader sees the whole file or none.
    pub(crate) fn store(&self, path: &Path, compiled: &[u8]) -> anyhow::Result<()> {
        create_private_dir(&self.dir)?;
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)
            .with_context(|| format!("cannot write in `{}`", self.dir.display()))?;
        file.write_all(compiled)
            .with_context(|| format!("cannot write in `{}`", self.dir.display()))?;
        file.persist(path)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        self.prune(KEPT);
        Ok(())
    }

    /// Marks the module at `path` used now, so pruning keeps it.
    pub(crate) fn touch(&self, path: &Path) {
        let now = std::time::SystemTime::now();
        let _ = std::fs::File::open(path).and_then(|file| file.set_modified(now));
    }

    /// Removes all but the `kept` most recently used modules.
    fn prune(&self, kept: usize) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut modules: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "cwasm"))
            .filter_map(|path| Some((std::fs::metadata(&path).ok()?.modified().ok()?, path)))
            .collect();
        modules.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
        for (_, path) in modules.into_iter().skip(kept) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// `bootstrap`'s folder of the user's cache: `$XDG_CACHE_HOME/bootstrap`, else
/// `$HOME/.cache/bootstrap`; none when neither is set.
pub(crate) fn user_cache_dir(xdg_cache_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
    let base = match (xdg_cache_home, home) {
        (Some(xdg), _) if !xdg.is_empty() => PathBuf::from(xdg),
        (_, Some(home)) if !home.is_empty() => Path::new(home).join(".cache"),
        _ => return None,
    };
    Some(base.join("bootstrap"))
}

/// Only the user may write native code the host will map.
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create `{}`", dir.display()))
}

/// The hex SHA-256 of the engine's compatibility hash and the module's bytes.
fn key(engine: &Engine, module: &[u8]) -> String {
    let mut hasher = ShaHasher(Sha256::new());
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
    let mut sha = hasher.0;
    sha.update(module);
    sha.finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Feeds what `Hash` writes into SHA-256, so the engine's compatibility hash (which
/// only implements `Hash`) is part of the key.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        unreachable!("only the SHA-256 digest is read")
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_cache_home_wins_over_home() {
        let dir = CompileCache::default_dir(Some("/x"), Some("/h"));
        assert_eq!(dir, Some(PathBuf::from("/x/bootstrap/compiled")));
        let dir = CompileCache::default_dir(None, Some("/h"));
        assert_eq!(dir, Some(PathBuf::from("/h/.cache/bootstrap/compiled")));
        let dir = CompileCache::default_dir(Some(""), Some("/h"));
        assert_eq!(dir, Some(PathBuf::from("/h/.cache/bootstrap/compiled")));
        assert_eq!(CompileCache::default_dir(None, None), None);
    }

    #[test]
    fn the_key_follows_the_bytes_and_the_engine() {
        let engine = Engine::default();
        let a = key(&engine, b"module a");
        assert_eq!(a, key(&engine, b"module a"));
        assert_ne!(a, key(&engine, b"module b"));
        assert_eq!(a.len(), 64);
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let other = Engine::new(&config).unwrap();
        assert_ne!(a, key(&other, b"module a"));
    }

    #[test]
    fn only_the_most_recently_used_modules_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CompileCache::new(dir.path().to_path_buf());
        let engine = Engine::default();
        let paths: Vec<PathBuf> = (0..KEPT + 2)
            .map(|i| cache.path_for(&engine, &[i as u8]))
            .collect();
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for (i, path) in paths.iter().enumerate() {
            std::fs::write(path, b"c").unwrap();
            let age = std::time::Duration::from_secs((paths.len() - i) as u64);
            std::fs::File::open(path)
                .unwrap()
                .set_modified(past - age)
                .unwrap();
        }
        cache.touch(&paths[0]);
        cache.prune(KEPT);
        assert!(paths[0].exists(), "the module used last is kept");
        assert!(!paths[1].exists() && !paths[2].exists(), "the oldest go");
        assert!(paths[KEPT + 1].exists());
    }

    #[test]
    fn a_directory_others_may_write_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let cache = CompileCache::new(dir.path().join("compiled"));
        assert_eq!(cache.is_trusted(), Ok(()), "not there yet: created private");
        let engine = Engine::default();
        cache.store(&cache.path_for(&engine, b"m"), b"c").unwrap();
        assert_eq!(cache.is_trusted(), Ok(()));
        let open = std::fs::Permissions::from_mode(0o777);
        std::fs::set_permissions(dir.path().join("compiled"), open).unwrap();
        assert!(cache.is_trusted().unwrap_err().contains("others may write"));
    }

    #[test]
    fn a_stored_module_is_found_at_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CompileCache::new(dir.path().join("nested/compiled"));
        let engine = Engine::default();
        let path = cache.path_for(&engine, b"m");
        cache.store(&path, b"compiled").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"compiled");
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("nested/compiled"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
