//! Compiled modules kept across starts and swaps: wasmtime's precompiled form of each
//! module, in a directory, named by a hash of the module's bytes and of the engine's
//! compatibility (wasmtime version and configuration). A module compiled once, by a
//! start, a swap or `fcwasm build`, is mapped instead of compiled from then on.

use std::hash::Hasher;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use wasmtime::Engine;

use crate::native_code::{self, ModuleDigest, TrustedDir};

/// How much the cache keeps: the most recently used modules up to this many bytes
/// together (a Python or JavaScript component compiles to 35-50 MB, so about 40 of
/// them), and always the one stored last.
const KEPT_BYTES: u64 = 2 << 30;

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

    /// The cache's directory, created private if it is not there, opened once and
    /// checked on its descriptor ([`native_code`]): a compiled module is native code
    /// the host runs, so a directory others can write is never read nor written, and
    /// a path flipped after the check changes nothing.
    pub(crate) fn open(&self) -> Result<TrustedDir, native_code::Refused> {
        if !self.dir.exists() {
            let _ = create_private_dir(&self.dir);
        }
        TrustedDir::open(&self.dir)
    }

    /// The name in the cache of the compiled form of the module `bytes` for `engine`.
    pub(crate) fn name_for(&self, engine: &Engine, bytes: &[u8]) -> String {
        let mut hasher = Key::new(engine);
        hasher.0.update(bytes);
        hasher.name()
    }

    /// [`CompileCache::name_for`] the module in `file`, and its [`ModuleDigest`], from
    /// one read of the file through a small buffer.
    pub(crate) fn name_and_digest_of(
        &self,
        engine: &Engine,
        file: &std::fs::File,
    ) -> std::io::Result<(String, ModuleDigest)> {
        let mut key = Key::new(engine);
        let digest = ModuleDigest::read(file, |chunk| {
            key.0.update(chunk);
        })?;
        Ok((key.name(), digest))
    }

    /// Where the entry `name` is, for messages.
    pub(crate) fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Stores `compiled` as `name` in the opened cache `dir`, atomically (a reader
    /// sees the whole file or none), then prunes the least recently used entries.
    pub(crate) fn store(
        &self,
        dir: &TrustedDir,
        name: &str,
        compiled: &[u8],
    ) -> anyhow::Result<()> {
        dir.write_atomically(name, compiled, 0o600)
            .with_context(|| format!("cannot write `{}`", self.path_of(name).display()))?;
        self.prune(KEPT_BYTES, name);
        Ok(())
    }

    /// Removes the least recently used modules past `kept_bytes` together, but never
    /// `just_stored`.
    fn prune(&self, kept_bytes: u64, just_stored: &str) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut modules: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "cwasm"))
            .filter_map(|path| {
                let meta = std::fs::symlink_metadata(&path).ok()?;
                Some((meta.modified().ok()?, meta.len(), path))
            })
            .collect();
        modules.sort_by_key(|(modified, _, path)| {
            (!path.ends_with(just_stored), std::cmp::Reverse(*modified))
        });
        let mut total = 0;
        for (_, len, path) in modules {
            total += len;
            if total > kept_bytes && !path.ends_with(just_stored) {
                let _ = std::fs::remove_file(path);
            }
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

/// The cache's key: the BLAKE3 digest of the engine's compatibility hash and the
/// module's bytes. A cryptographic digest, because the cache holds modules of any
/// origin: no one can make a module whose name is another's (and so have their
/// compiled code mapped for that module, with its grants).
struct Key(blake3::Hasher);

impl Key {
    fn new(engine: &Engine) -> Self {
        let mut key = Key(blake3::Hasher::new());
        std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut key);
        key
    }

    fn name(&self) -> String {
        format!("{}.cwasm", self.0.finalize().to_hex())
    }
}

/// What `Hash` writes (the engine's compatibility hash only implements `Hash`) goes
/// into the digest.
impl Hasher for Key {
    fn finish(&self) -> u64 {
        unreachable!("only the BLAKE3 digest is read")
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
    fn the_name_follows_the_bytes_and_the_engine_read_whole_or_from_a_file() {
        let cache = CompileCache::new(PathBuf::from("/unused"));
        let engine = Engine::default();
        let a = cache.name_for(&engine, b"module a");
        assert_eq!(a, cache.name_for(&engine, b"module a"));
        assert_ne!(a, cache.name_for(&engine, b"module b"));
        assert_eq!(a.len(), 64 + ".cwasm".len());
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let other = Engine::new(&config).unwrap();
        assert_ne!(a, cache.name_for(&other, b"module a"));
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), b"module a").unwrap();
        let (read, digest) = cache.name_and_digest_of(&engine, file.as_file()).unwrap();
        assert_eq!(read, a);
        assert_eq!(digest, ModuleDigest::of(b"module a"));
    }

    #[test]
    fn the_most_recently_used_modules_are_kept_up_to_a_size() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CompileCache::new(dir.path().to_path_buf());
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let names: Vec<String> = (0..6).map(|i| format!("{i}.cwasm")).collect();
        for (i, name) in names.iter().enumerate() {
            let path = dir.path().join(name);
            std::fs::write(&path, [0u8; 100]).unwrap();
            let age = std::time::Duration::from_secs(60 * (10 - i as u64));
            std::fs::File::open(&path)
                .unwrap()
                .set_modified(past - age)
                .unwrap();
        }
        // The oldest was just stored: kept whatever its age, with the newest that fit.
        cache.prune(300, "0.cwasm");
        let kept: Vec<bool> = names.iter().map(|n| dir.path().join(n).exists()).collect();
        assert_eq!(kept, [true, false, false, false, true, true]);
    }

    #[test]
    fn a_directory_others_may_write_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let cache = CompileCache::new(dir.path().join("compiled"));
        let opened = cache.open().expect("created private");
        cache.store(&opened, "m.cwasm", b"c").unwrap();
        assert!(cache.open().is_ok());
        let open = std::fs::Permissions::from_mode(0o777);
        std::fs::set_permissions(dir.path().join("compiled"), open).unwrap();
        let refused = cache.open().unwrap_err().to_string();
        assert!(refused.contains("others may write"), "{refused}");
    }

    #[test]
    fn a_stored_module_is_found_by_its_name_in_a_private_folder() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CompileCache::new(dir.path().join("nested/compiled"));
        let engine = Engine::default();
        let name = cache.name_for(&engine, b"m");
        cache
            .store(&cache.open().unwrap(), &name, b"compiled")
            .unwrap();
        assert_eq!(std::fs::read(cache.path_of(&name)).unwrap(), b"compiled");
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("nested/compiled"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
