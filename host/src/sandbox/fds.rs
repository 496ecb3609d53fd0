//! File descriptors: how many the guests may hold, in total and per instance, so the
//! host always keeps a reserve below the process's limit (it must go on accepting
//! connections whatever the guests open). Files, directories and sockets a guest
//! opens count; past its budget an open fails in the guest (no space for a socket:
//! `new-socket-limit`, WASI's EMFILE; for a file: `insufficient-memory`, WASI having no
//! EMFILE for files), and an instance's descriptors are released when it goes.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Descriptors kept for the host itself besides its connections: the listener, the
/// module files, the log, outgoing requests and the runtime's own.
pub(crate) const HOST_RESERVE: usize = 512;

/// How the process's descriptors are shared out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FdPlan {
    /// Client connections at most.
    pub(crate) connections: usize,
    /// Descriptors all guests together may hold.
    pub(crate) guests: usize,
    /// Descriptors one instance may hold.
    pub(crate) per_instance: usize,
}

impl FdPlan {
    /// Shares `nofile` (the process's limit) out: the host's reserve first, then the
    /// connections (at most half of what is left), then the guests. Requested values
    /// are lowered to fit, never raised.
    pub(crate) fn new(
        nofile: usize,
        connections: usize,
        guests: Option<usize>,
        per_instance: Option<usize>,
    ) -> Self {
        let available = nofile.saturating_sub(HOST_RESERVE);
        let connections = connections.min(available / 2).max(1);
        let room = available.saturating_sub(connections);
        let guests = guests.map_or(room, |g| g.min(room));
        let per_instance = per_instance.map_or(guests, |p| p.min(guests));
        FdPlan {
            connections,
            guests,
            per_instance,
        }
    }
}

/// The descriptors all guests hold.
#[derive(Debug)]
pub(crate) struct FdPool {
    used: AtomicUsize,
    limit: usize,
    per_instance: usize,
}

impl FdPool {
    pub(crate) fn new(plan: &FdPlan) -> Arc<Self> {
        Arc::new(FdPool {
            used: AtomicUsize::new(0),
            limit: plan.guests,
            per_instance: plan.per_instance,
        })
    }

    /// Descriptors one instance may hold.
    pub(crate) fn per_instance(&self) -> usize {
        self.per_instance
    }
}

/// The descriptors one instance holds, by resource handle.
#[derive(Debug)]
pub(crate) struct FdUse {
    pool: Arc<FdPool>,
    held: HashSet<u32>,
}

/// An open refused by the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("too many open descriptors")]
pub(crate) struct FdBudgetFull;

impl FdUse {
    pub(crate) fn new(pool: &Arc<FdPool>) -> Self {
        FdUse {
            pool: Arc::clone(pool),
            held: HashSet::new(),
        }
    }

    /// Takes one descriptor from the budget, before opening it.
    pub(crate) fn take(&mut self) -> Result<(), FdBudgetFull> {
        if self.held.len() >= self.pool.per_instance {
            return Err(FdBudgetFull);
        }
        if self.pool.used.fetch_add(1, Ordering::AcqRel) >= self.pool.limit {
            self.pool.used.fetch_sub(1, Ordering::AcqRel);
            return Err(FdBudgetFull);
        }
        Ok(())
    }

    /// Records what the descriptor taken became (its resource handle), or gives it
    /// back when the open failed.
    pub(crate) fn opened(&mut self, handle: Option<u32>) {
        match handle {
            Some(handle) => {
                self.held.insert(handle);
            }
            None => {
                self.pool.used.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }

    /// The guest closed the resource `handle`; gives its descriptor back if counted.
    pub(crate) fn closed(&mut self, handle: u32) {
        if self.held.remove(&handle) {
            self.pool.used.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Drop for FdUse {
    /// The instance is gone, its descriptors closed with its store.
    fn drop(&mut self) {
        self.pool.used.fetch_sub(self.held.len(), Ordering::AcqRel);
    }
}

/// The process's soft descriptor limit, raised to its hard limit first (as most
/// servers do at start).
pub(crate) fn raise_nofile() -> usize {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let mut raised = limit;
    if let Some(hard) = limit.maximum {
        raised.current = Some(hard);
        if setrlimit(Resource::Nofile, raised).is_err() {
            raised = limit;
        }
    }
    raised
        .current
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_keeps_a_reserve_and_fits_requests_below_the_limit() {
        let fc = FdPlan::new(100_000, 4096, None, None);
        assert_eq!(fc.connections, 4096);
        assert_eq!(fc.guests, 100_000 - HOST_RESERVE - 4096);
        assert_eq!(fc.per_instance, fc.guests);
        let small = FdPlan::new(1024, 4096, Some(10_000), Some(100));
        assert_eq!(small.connections, 256);
        assert_eq!(small.guests, 256);
        assert_eq!(small.per_instance, 100);
        assert!(small.connections + small.guests + HOST_RESERVE <= 1024);
    }

    #[test]
    fn the_budget_holds_per_instance_and_in_total_and_is_freed() {
        let pool = FdPool::new(&FdPlan {
            connections: 1,
            guests: 3,
            per_instance: 2,
        });
        let mut a = FdUse::new(&pool);
        let mut b = FdUse::new(&pool);
        for handle in [1, 2] {
            a.take().unwrap();
            a.opened(Some(handle));
        }
        assert_eq!(a.take(), Err(FdBudgetFull), "per instance");
        b.take().unwrap();
        b.opened(Some(7));
        assert_eq!(b.take(), Err(FdBudgetFull), "in total");
        a.closed(1);
        a.closed(1);
        b.take().unwrap();
        b.opened(None);
        drop(a);
        let mut c = FdUse::new(&pool);
        c.take().unwrap();
        c.opened(Some(1));
        c.take().unwrap();
    }
}
