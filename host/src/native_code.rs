//! The one rule for native code the host maps (a module's `.cwasm`, the compile
//! cache's entries): it is used only from a file this user (or root) owns that no one
//! else may write, in a folder no one else may write, checked on the opened
//! descriptors (not on paths that could change in between) and mapped from that
//! same descriptor; and only when its trailer says it is whole and compiled from this
//! module. Anything else is compiled afresh, with a warning that says why.
//!
//! The trailer is 64 bytes after wasmtime's own file (which ignores them): a magic
//! string, the module's length and XXH3-128 digest, and the length and XXH3-64 digest
//! of the compiled bytes before it. Both are checked at every start, read through a
//! small buffer rather than into memory, the module on one thread while the compiled
//! file is checked on another. XXH3 rather than a cryptographic digest because it runs
//! at memory speed and only has to catch a stale, mismatched or damaged file: the
//! adversary is kept out by the ownership rule, and the `.cwasm` beside a module comes
//! from whoever wrote the module. (The compile cache, which holds modules of any
//! origin, is addressed by a cryptographic digest: see `compile_cache`.)

use std::fs::File;
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};
use xxhash_rust::xxh3::{Xxh3, xxh3_64, xxh3_128};

/// What marks a trailer, and its version.
const MAGIC: &[u8; 16] = b"fcwasm-cwasm-v1\0";
/// The trailer's length in bytes.
pub(crate) const TRAILER_LEN: usize = 64;
/// How much of a file is hashed at a time: small enough to stay in the CPU's cache.
const CHUNK: usize = 64 << 10;

/// Why a file of native code is not used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refused {
    #[error("`{0}` cannot be opened: {1}")]
    Open(PathBuf, std::io::Error),
    #[error("`{0}` is a symbolic link")]
    Link(PathBuf),
    #[error("`{0}` is not a regular file")]
    NotAFile(PathBuf),
    #[error("`{0}` belongs to another user")]
    Owner(PathBuf),
    #[error("others may write `{0}`")]
    Writable(PathBuf),
    #[error("`{0}` has no fcwasm trailer (it was not written by this version's `fcwasm`)")]
    NoTrailer(PathBuf),
    #[error("`{0}` is damaged (its bytes do not match their digest)")]
    Damaged(PathBuf),
    #[error("`{0}` was compiled from another module than `{1}`")]
    OtherModule(PathBuf, PathBuf),
}

/// A folder opened once, whose own trust was checked on its descriptor.
#[derive(Debug)]
pub(crate) struct TrustedDir {
    fd: std::os::fd::OwnedFd,
    path: PathBuf,
}

impl TrustedDir {
    /// Opens `path` (following links on the way, as any path) and checks the folder
    /// it opened: this user's or root's, and no one else may write in it.
    pub(crate) fn open(path: &Path) -> Result<Self, Refused> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::open(path, flags, Mode::empty())
            .map_err(|error| Refused::Open(path.into(), error.into()))?;
        check_owner_and_mode(&fd, path)?;
        Ok(TrustedDir {
            fd,
            path: path.into(),
        })
    }

    /// The file `name` in this folder, opened without following a link, if it is a
    /// trusted regular file.
    pub(crate) fn open_file(&self, name: &str) -> Result<File, Refused> {
        let path = self.path.join(name);
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd =
            rustix::fs::openat(&self.fd, name, flags, Mode::empty()).map_err(
                |error| match error {
                    rustix::io::Errno::LOOP => Refused::Link(path.clone()),
                    error => Refused::Open(path.clone(), error.into()),
                },
            )?;
        let stat = rustix::fs::fstat(&fd).map_err(|e| Refused::Open(path.clone(), e.into()))?;
        if rustix::fs::FileType::from_raw_mode(stat.st_mode) != rustix::fs::FileType::RegularFile {
            return Err(Refused::NotAFile(path));
        }
        check_owner_and_mode(&fd, &path)?;
        Ok(File::from(fd))
    }

    /// Writes `bytes` as `name` in this folder: into a new file beside it (created
    /// exclusively, never through a link), then renamed over `name`, which replaces a
    /// link there rather than writing where it leads.
    pub(crate) fn write_atomically(
        &self,
        name: &str,
        bytes: &[u8],
        mode: u32,
    ) -> std::io::Result<()> {
        use std::io::Write as _;
        static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let count = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let partial = format!(".{name}.{}-{count}.partial", std::process::id());
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, partial.as_str(), flags, Mode::from_raw_mode(mode))?;
        let mut file = File::from(fd);
        let written = file
            .write_all(bytes)
            .and_then(|()| rustix::fs::fchmod(&file, Mode::from_raw_mode(mode)).map_err(Into::into))
            .and_then(|()| {
                rustix::fs::renameat(&self.fd, partial.as_str(), &self.fd, name).map_err(Into::into)
            });
        if written.is_err() {
            let _ = rustix::fs::unlinkat(&self.fd, partial.as_str(), rustix::fs::AtFlags::empty());
        }
        written
    }

    /// Marks the entry `name` used now (its modification time), through no link.
    pub(crate) fn touch(&self, name: &str) {
        if let Ok(file) = self.open_file(name) {
            let _ = file.set_modified(std::time::SystemTime::now());
        }
    }
}

fn check_owner_and_mode(fd: impl AsFd, path: &Path) -> Result<(), Refused> {
    let stat = rustix::fs::fstat(fd).map_err(|e| Refused::Open(path.into(), e.into()))?;
    let me = rustix::process::geteuid().as_raw();
    if stat.st_uid != me && stat.st_uid != 0 {
        return Err(Refused::Owner(path.into()));
    }
    if stat.st_mode & 0o022 != 0 {
        return Err(Refused::Writable(path.into()));
    }
    Ok(())
}

/// A module's identity as its `.cwasm` records it: its length and XXH3-128 digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ModuleDigest {
    len: u64,
    digest: u128,
}

impl ModuleDigest {
    /// The identity of the module `bytes`.
    pub(crate) fn of(bytes: &[u8]) -> Self {
        ModuleDigest {
            len: bytes.len() as u64,
            digest: xxh3_128(bytes),
        }
    }

    /// The identity of the module in `file`, read through a small buffer from its start;
    /// each chunk read is also passed to `also` (so another digest can share the read).
    pub(crate) fn read(file: &File, mut also: impl FnMut(&[u8])) -> std::io::Result<Self> {
        let mut hasher = Xxh3::new();
        let len = for_each_chunk(file, u64::MAX, |chunk| {
            hasher.update(chunk);
            also(chunk);
        })?;
        Ok(ModuleDigest {
            len,
            digest: hasher.digest128(),
        })
    }
}

/// What the trailer of a compiled file records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Trailer {
    module: ModuleDigest,
    code_len: u64,
    code_digest: u64,
}

impl Trailer {
    fn encode(&self) -> [u8; TRAILER_LEN] {
        let mut out = [0; TRAILER_LEN];
        out[..16].copy_from_slice(MAGIC);
        out[16..24].copy_from_slice(&self.module.len.to_le_bytes());
        out[24..40].copy_from_slice(&self.module.digest.to_le_bytes());
        out[40..48].copy_from_slice(&self.code_len.to_le_bytes());
        out[48..56].copy_from_slice(&self.code_digest.to_le_bytes());
        out
    }

    fn decode(bytes: &[u8; TRAILER_LEN]) -> Option<Self> {
        let u64_at = |at: usize| {
            let mut out = [0; 8];
            out.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(out)
        };
        let mut digest = [0; 16];
        digest.copy_from_slice(&bytes[24..40]);
        (&bytes[..16] == MAGIC).then(|| Trailer {
            module: ModuleDigest {
                len: u64_at(16),
                digest: u128::from_le_bytes(digest),
            },
            code_len: u64_at(40),
            code_digest: u64_at(48),
        })
    }

    /// Whether the module of identity `module` is the one this was compiled from.
    pub(crate) fn is_of(&self, module: &ModuleDigest) -> bool {
        self.module == *module
    }
}

/// `code` (wasmtime's compiled form of the module `module`) with its trailer.
pub(crate) fn seal(mut code: Vec<u8>, module: &ModuleDigest) -> Vec<u8> {
    let trailer = Trailer {
        module: *module,
        code_len: code.len() as u64,
        code_digest: xxh3_64(&code),
    };
    code.extend_from_slice(&trailer.encode());
    code
}

/// The trailer of the opened compiled file `file` (at `path`), once the bytes before
/// it match their digest.
pub(crate) fn check_whole(file: &File, path: &Path) -> Result<Trailer, Refused> {
    let io = |error: std::io::Error| Refused::Open(path.into(), error);
    let len = file.metadata().map_err(io)?.len();
    let Some(code_len) = len.checked_sub(TRAILER_LEN as u64) else {
        return Err(Refused::NoTrailer(path.into()));
    };
    let mut tail = [0; TRAILER_LEN];
    file.read_exact_at(&mut tail, code_len).map_err(io)?;
    let trailer = Trailer::decode(&tail).ok_or_else(|| Refused::NoTrailer(path.into()))?;
    if trailer.code_len != code_len {
        return Err(Refused::Damaged(path.into()));
    }
    let mut hasher = Xxh3::new();
    let read = for_each_chunk(file, code_len, |chunk| hasher.update(chunk)).map_err(io)?;
    if read != code_len || hasher.digest() != trailer.code_digest {
        return Err(Refused::Damaged(path.into()));
    }
    Ok(trailer)
}

/// Passes the first `limit` bytes of `file` (fewer if it is shorter) to `each`, a
/// chunk at a time, read by position (the file's offset is left alone); returns how
/// many bytes there were.
pub(crate) fn for_each_chunk(
    file: &File,
    limit: u64,
    mut each: impl FnMut(&[u8]),
) -> std::io::Result<u64> {
    let mut buffer = vec![0; CHUNK];
    let mut at = 0u64;
    while at < limit {
        let want = (limit - at).min(CHUNK as u64) as usize;
        let read = match file.read_at(&mut buffer[..want], at) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        each(&buffer[..read]);
        at += read as u64;
    }
    Ok(at)
}

/// A path that opens the same file as the descriptor `file` (Linux's
/// `/proc/self/fd`), for wasmtime's mapping, which takes a path.
pub(crate) fn fd_path(file: &File) -> PathBuf {
    use std::os::fd::AsRawFd as _;
    PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn sealed_file(dir: &Path, name: &str, module: &[u8], code: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, seal(code.to_vec(), &ModuleDigest::of(module))).unwrap();
        path
    }

    #[test]
    fn a_sealed_file_is_whole_and_of_its_module() {
        let dir = tempfile::tempdir().unwrap();
        sealed_file(dir.path(), "m.cwasm", b"module", b"compiled code");
        let trusted = TrustedDir::open(dir.path()).unwrap();
        let file = trusted.open_file("m.cwasm").unwrap();
        let trailer = check_whole(&file, Path::new("m.cwasm")).unwrap();
        assert!(trailer.is_of(&ModuleDigest::of(b"module")));
        assert!(!trailer.is_of(&ModuleDigest::of(b"modulf")));
        assert!(!trailer.is_of(&ModuleDigest::of(b"module and more")));
    }

    #[test]
    fn a_module_read_in_chunks_has_the_digest_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0, 1, CHUNK - 1, CHUNK, 3 * CHUNK + 17] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let path = dir.path().join(format!("{len}.wasm"));
            std::fs::write(&path, &bytes).unwrap();
            let read = ModuleDigest::read(&File::open(&path).unwrap(), |_| {}).unwrap();
            assert_eq!(read, ModuleDigest::of(&bytes), "{len} bytes");
        }
    }

    #[test]
    fn code_longer_than_a_chunk_is_checked_whole() {
        let dir = tempfile::tempdir().unwrap();
        let code: Vec<u8> = (0..2 * CHUNK + 5).map(|i| (i % 253) as u8).collect();
        let path = sealed_file(dir.path(), "m.cwasm", b"module", &code);
        let trusted = TrustedDir::open(dir.path()).unwrap();
        let check = || check_whole(&trusted.open_file("m.cwasm").unwrap(), &path);
        assert!(check().is_ok());
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[2 * CHUNK + 1] ^= 0x80;
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(check(), Err(Refused::Damaged(_))));
    }

    #[test]
    fn one_flipped_byte_or_a_missing_trailer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = sealed_file(dir.path(), "m.cwasm", b"module", b"compiled code");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[3] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        std::fs::write(dir.path().join("bare.cwasm"), b"compiled code").unwrap();
        let trusted = TrustedDir::open(dir.path()).unwrap();
        let check = |name: &str| check_whole(&trusted.open_file(name).unwrap(), Path::new(name));
        assert!(matches!(check("m.cwasm"), Err(Refused::Damaged(_))));
        assert!(matches!(check("bare.cwasm"), Err(Refused::NoTrailer(_))));
    }

    #[test]
    fn writing_replaces_a_link_and_never_writes_where_it_leads() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("m.cwasm")).unwrap();
        let trusted = TrustedDir::open(dir.path()).unwrap();
        trusted.write_atomically("m.cwasm", b"new", 0o644).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert_eq!(std::fs::read(dir.path().join("m.cwasm")).unwrap(), b"new");
        assert!(
            !std::fs::symlink_metadata(dir.path().join("m.cwasm"))
                .unwrap()
                .is_symlink()
        );
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["elsewhere", "m.cwasm"], "no partial file is left");
    }

    #[test]
    fn links_and_files_or_folders_others_may_write_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = sealed_file(dir.path(), "m.cwasm", b"module", b"code");
        std::os::unix::fs::symlink(&path, dir.path().join("link.cwasm")).unwrap();
        let trusted = TrustedDir::open(dir.path()).unwrap();
        assert!(matches!(
            trusted.open_file("link.cwasm"),
            Err(Refused::Link(_))
        ));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(matches!(
            trusted.open_file("m.cwasm"),
            Err(Refused::Writable(_))
        ));
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(matches!(
            TrustedDir::open(dir.path()),
            Err(Refused::Writable(_))
        ));
    }

    #[test]
    fn a_file_of_another_user_is_refused() {
        if !rustix::process::geteuid().is_root() {
            return; // only root can give a file away; the owner rule is the same
        }
        let dir = tempfile::tempdir().unwrap();
        let path = sealed_file(dir.path(), "m.cwasm", b"module", b"code");
        let nobody = Some(rustix::process::Uid::from_raw(65534));
        rustix::fs::chown(&path, nobody, None).unwrap();
        let trusted = TrustedDir::open(dir.path()).unwrap();
        assert!(matches!(
            trusted.open_file("m.cwasm"),
            Err(Refused::Owner(_))
        ));
    }
}
