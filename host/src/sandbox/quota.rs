//! The disk quota of all instances' `/tmp` together (FC gives a function a fixed disk:
//! 512 MB by default, 10 GB at most). Writes are counted as they happen (an estimate:
//! overwrites and deleted files count until corrected); a write that would cross the
//! quota first measures what the directories really hold, and fails with "no space"
//! only if that is still over.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// FC's default disk of a function (`--tmp-quota`'s default).
#[cfg(test)]
pub(crate) const DEFAULT_TMP_QUOTA: u64 = 512 * 1024 * 1024;

/// Bytes the guests' `/tmp` directories may hold together.
#[derive(Debug)]
pub(crate) struct DiskQuota {
    limit: u64,
    root: PathBuf,
    /// What the directories hold, at least: counted writes since the last measure.
    estimate: AtomicU64,
    /// One measure at a time.
    measuring: Mutex<()>,
}

/// A write the quota refused.
#[derive(Debug, thiserror::Error)]
#[error("the function's /tmp quota of {limit} bytes is full")]
pub(crate) struct QuotaFull {
    limit: u64,
}

impl DiskQuota {
    /// A quota of `limit` bytes over everything under `root`.
    pub(crate) fn new(root: &Path, limit: u64) -> Self {
        DiskQuota {
            limit,
            root: root.to_path_buf(),
            estimate: AtomicU64::new(0),
            measuring: Mutex::new(()),
        }
    }

    /// Takes `bytes` from the quota for a write about to happen.
    pub(crate) fn reserve(&self, bytes: u64) -> Result<(), QuotaFull> {
        let before = self.estimate.fetch_add(bytes, Ordering::AcqRel);
        if before.saturating_add(bytes) <= self.limit {
            return Ok(());
        }
        self.estimate.fetch_sub(bytes, Ordering::AcqRel);
        let _one = crate::logs::lock(&self.measuring);
        let used = disk_usage(&self.root);
        self.estimate.store(used, Ordering::Release);
        if used.saturating_add(bytes) > self.limit {
            return Err(QuotaFull { limit: self.limit });
        }
        self.estimate.fetch_add(bytes, Ordering::AcqRel);
        Ok(())
    }
}

/// The disk space a tree takes: allocated blocks, so sparse files count what they use.
fn disk_usage(root: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt as _;
    let mut total = 0u64;
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            total = total.saturating_add(meta.blocks().saturating_mul(512));
            if meta.is_dir() {
                pending.push(entry.path());
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_pass_until_the_quota_and_freed_space_is_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let quota = DiskQuota::new(dir.path(), 64 * 1024);
        quota.reserve(40 * 1024).unwrap();
        std::fs::write(dir.path().join("a"), vec![1u8; 40 * 1024]).unwrap();
        assert!(
            quota.reserve(40 * 1024).is_err(),
            "40 + 40 KiB is over 64 KiB"
        );
        std::fs::remove_file(dir.path().join("a")).unwrap();
        quota
            .reserve(40 * 1024)
            .expect("the deleted file's space is measured free");
    }

    #[test]
    fn overwrites_are_corrected_by_measuring() {
        let dir = tempfile::tempdir().unwrap();
        let quota = DiskQuota::new(dir.path(), 64 * 1024);
        for _ in 0..10 {
            quota.reserve(16 * 1024).unwrap();
            std::fs::write(dir.path().join("same"), vec![2u8; 16 * 1024]).unwrap();
        }
    }
}
