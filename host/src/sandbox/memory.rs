//! Linear memory: the function's memory (`x-fc-function-memory`, FC's memory of the
//! whole instance) is shared by all live guest instances together, so concurrent calls
//! cannot use more than FC allows the function. A growth that would cross it is
//! refused, the guest traps and gets `OutOfMemory`; other instances go on.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::ResourceLimiter;

/// Most table elements a guest may have (wasmtime's pooling allocator default).
pub(crate) const MAX_TABLE_ELEMENTS: usize = 20_000;

/// The memory all instances of the pool hold, and the most they may.
#[derive(Debug, Default)]
pub(crate) struct SharedMemory {
    used: AtomicUsize,
    /// The function's memory in bytes, as the latest call said; 0 for no limit.
    limit: AtomicUsize,
}

impl SharedMemory {
    pub(crate) fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Bytes of linear memory all instances hold.
    #[cfg(test)]
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }
}

/// A refused growth: how much was asked for, and whether it was the instances' sum
/// (rather than this one memory) that crossed the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Denied {
    /// The size asked for: of the memory, or of all instances together.
    pub(crate) requested: usize,
    /// Whether the sum of all instances crossed the limit.
    pub(crate) shared: bool,
}

/// One instance's share of the function's memory (and its table cap), remembering a
/// refused growth so its trap can be reported as running out of memory.
#[derive(Debug)]
pub(crate) struct MemoryCap {
    shared: Arc<SharedMemory>,
    /// Bytes this instance's memories hold.
    own: usize,
    /// The refused growth since the last [`MemoryCap::take_denied`].
    denied: Option<Denied>,
}

impl MemoryCap {
    pub(crate) fn new(shared: &Arc<SharedMemory>) -> Self {
        MemoryCap {
            shared: Arc::clone(shared),
            own: 0,
            denied: None,
        }
    }

    /// Sets the function's memory for the call about to run (`None`: no limit).
    pub(crate) fn set_limit(&mut self, limit: Option<usize>) {
        self.shared
            .limit
            .store(limit.unwrap_or(0), Ordering::Release);
    }

    /// The function's memory, if limited.
    pub(crate) fn limit(&self) -> Option<usize> {
        Some(self.shared.limit.load(Ordering::Acquire)).filter(|&limit| limit > 0)
    }

    /// The last refused growth, clearing it.
    pub(crate) fn take_denied(&mut self) -> Option<Denied> {
        self.denied.take()
    }

    fn try_grow(&mut self, current: usize, desired: usize) -> bool {
        let growth = desired.saturating_sub(current);
        let Some(limit) = self.limit() else {
            self.shared.used.fetch_add(growth, Ordering::AcqRel);
            self.own += growth;
            return true;
        };
        if desired > limit {
            self.denied = Some(Denied {
                requested: desired,
                shared: false,
            });
            return false;
        }
        let before = self.shared.used.fetch_add(growth, Ordering::AcqRel);
        if before + growth > limit {
            self.shared.used.fetch_sub(growth, Ordering::AcqRel);
            self.denied = Some(Denied {
                requested: before + growth,
                shared: true,
            });
            return false;
        }
        self.own += growth;
        true
    }
}

impl Drop for MemoryCap {
    fn drop(&mut self) {
        self.shared.used.fetch_sub(self.own, Ordering::AcqRel);
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(self.try_grow(current, desired))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: usize = 1 << 20;

    #[test]
    fn instances_share_the_functions_memory() {
        let shared = SharedMemory::new();
        let mut a = MemoryCap::new(&shared);
        let mut b = MemoryCap::new(&shared);
        a.set_limit(Some(100 * MB));
        assert!(a.try_grow(0, 60 * MB));
        assert!(!b.try_grow(0, 60 * MB), "60 + 60 MB is over 100 MB");
        assert_eq!(
            b.take_denied(),
            Some(Denied {
                requested: 120 * MB,
                shared: true
            })
        );
        assert!(b.try_grow(0, 40 * MB));
        drop(a);
        assert_eq!(shared.used(), 40 * MB, "a's memory went with it");
        assert!(b.try_grow(40 * MB, 90 * MB));
    }

    #[test]
    fn one_memory_over_the_limit_is_refused_and_no_limit_allows_all() {
        let shared = SharedMemory::new();
        let mut cap = MemoryCap::new(&shared);
        cap.set_limit(Some(10 * MB));
        assert!(!cap.try_grow(0, 11 * MB));
        assert_eq!(
            cap.take_denied(),
            Some(Denied {
                requested: 11 * MB,
                shared: false
            })
        );
        cap.set_limit(None);
        assert!(cap.try_grow(0, 4096 * MB));
    }
}
