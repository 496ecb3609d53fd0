//! A lease: one instance of one generation, checked out for one call together with
//! the slot it holds, and given back (or discarded) exactly once.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, TryAcquireError};

use super::{Generation, Pool};
use crate::error::HostError;
use crate::fc::Phase;
use crate::instance::Instance;
use crate::logs::lock;

/// An instance checked out of the pool for one call. [`Lease::finish`] gives it back; a
/// lease dropped without finishing discards the instance, since its guest may have
/// stopped anywhere.
pub(crate) struct Lease {
    pool: Arc<Pool>,
    generation: Arc<Generation>,
    instance: Option<Instance>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Pool {
    /// A slot for one call: at once when one is free (no timer on that path), else
    /// after waiting at most the queue timeout.
    pub(super) async fn permit(&self) -> Result<OwnedSemaphorePermit, HostError> {
        match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => return Ok(permit),
            Err(TryAcquireError::Closed) => return Err(HostError::ShuttingDown),
            Err(TryAcquireError::NoPermits) => {}
        }
        let queue = self.config.policy.queue_timeout;
        let waiting = Arc::clone(&self.permits).acquire_owned();
        match tokio::time::timeout(queue, waiting).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(HostError::ShuttingDown),
            Err(_elapsed) => Err(HostError::Busy {
                instances: self.config.max_instances,
                waited: queue,
            }),
        }
    }

    /// Checks out an instance of the current generation for a call attributed to
    /// `request_id`: the most recently used idle one, else a new one, which replays the
    /// remembered initializer first (if that fails, the call fails and the instance is
    /// dropped).
    pub(super) async fn lease(
        self: &Arc<Self>,
        permit: OwnedSemaphorePermit,
        request_id: &str,
    ) -> Result<Lease, HostError> {
        let generation = self.generation();
        let idle = lock(&generation.idle).pop();
        let instance = match idle {
            Some(instance) => instance,
            // Cold path, boxed so its large future does not bloat every call's.
            None => {
                let config = &self.config;
                Box::pin(Instance::new(
                    &generation.module,
                    &config.grants,
                    &config.sink,
                ))
                .await?
            }
        };
        instance.log().begin_call(request_id);
        let mut lease = Lease {
            pool: Arc::clone(self),
            generation,
            instance: Some(instance),
            permit: Some(permit),
        };
        Box::pin(lease.replay_initializer()).await?;
        Ok(lease)
    }
}

impl Lease {
    /// The leased instance.
    pub(crate) fn instance(&mut self) -> &mut Instance {
        // Only `finish` and `discard` take the instance, and they consume the lease.
        self.instance
            .as_mut()
            .expect("a live lease holds its instance")
    }

    async fn replay_initializer(&mut self) -> Result<(), HostError> {
        if self.instance().is_initialized() {
            return Ok(());
        }
        let Some(ctx) = self.pool.remembered_initializer() else {
            return Ok(());
        };
        tracing::debug!(request_id = %ctx.request_id(), "replaying the initializer on a new instance");
        let budget = self.pool.config.policy.budget(Phase::Initialize, &ctx);
        self.instance()
            .lifecycle(Phase::Initialize, &ctx, budget)
            .await
    }

    /// Ends the call with `result`: the instance goes back to the pool, or is dropped
    /// when the result poisons it (trap, timeout, out of memory), so the next call gets
    /// a fresh one. An instance of a replaced generation is retired instead, holding its
    /// slot until its `pre-stop` is done. Returns the log the call wrote.
    pub(crate) fn finish<T>(self, result: &Result<T, HostError>) -> Vec<u8> {
        let poisoned = result.as_ref().is_err_and(HostError::poisons_instance);
        if poisoned {
            self.discard()
        } else {
            self.give_back()
        }
    }

    /// Ends the call and drops the instance, whatever happened. Returns its log.
    pub(crate) fn discard(mut self) -> Vec<u8> {
        self.instance
            .take()
            .map(|instance| instance.log().end_call())
            .unwrap_or_default()
    }

    fn give_back(mut self) -> Vec<u8> {
        let Some(instance) = self.instance.take() else {
            return Vec::new();
        };
        let tail = instance.log().end_call();
        // Holding `current` while pushing: a swap either sees this instance idle in
        // the old generation (and retires it) or has already made another current.
        let current = lock(&self.pool.current);
        if Arc::ptr_eq(&self.generation, &current) {
            lock(&self.generation.idle).push(instance);
            return tail;
        }
        drop(current);
        let permit = self.permit.take();
        let pool = Arc::clone(&self.pool);
        tokio::spawn(async move {
            pool.retire(instance).await;
            drop(permit);
        });
        tail
    }
}
