//! The instance pool: long-lived guest instances reused most-recently-used first, grown
//! lazily up to a maximum, with the initializer replayed on every instance created
//! after the first successful `/initialize`.
//!
//! Sequential requests therefore always land on the same instance (its globals behave
//! as in a one-process runtime); concurrent requests get instances of their own, and
//! beyond the maximum they wait for one to come back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::bindings::Context;
use crate::engine::Module;
use crate::error::HostError;
use crate::instance::{Hook, Instance};
use crate::logs::{LogSink, lock};

/// Long-lived instances of one module.
pub struct Pool {
    module: Arc<Module>,
    sink: LogSink,
    idle: Mutex<Vec<Instance>>,
    permits: Arc<Semaphore>,
    initializer: Mutex<Option<Arc<Context>>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("module", &self.module)
            .field("idle", &lock(&self.idle).len())
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// A pool of at most `max_instances` instances of `module`, writing to `sink`.
    pub fn new(module: Arc<Module>, max_instances: usize, sink: LogSink) -> Self {
        Pool {
            module,
            sink,
            idle: Mutex::new(Vec::with_capacity(max_instances)),
            permits: Arc::new(Semaphore::new(max_instances)),
            initializer: Mutex::new(None),
        }
    }

    /// The module this pool runs.
    pub fn module(&self) -> &Arc<Module> {
        &self.module
    }

    /// Takes an instance for one call attributed to `request_id`: the most recently
    /// used idle one, else a new one. A new instance replays the remembered initializer
    /// first; if that fails the call fails and the instance is dropped.
    pub(crate) async fn checkout(self: &Arc<Self>, request_id: &str) -> Result<Lease, HostError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| HostError::Instantiate("the pool is shut down".into()))?;
        let idle = lock(&self.idle).pop();
        let instance = match idle {
            Some(instance) => instance,
            None => Instance::new(&self.module, &self.sink).await?,
        };
        instance.log().begin_call(request_id);
        let mut lease = Lease {
            pool: Arc::clone(self),
            instance: Some(instance),
            _permit: permit,
        };
        self.replay_initializer(lease.instance()).await?;
        Ok(lease)
    }

    async fn replay_initializer(&self, instance: &mut Instance) -> Result<(), HostError> {
        if instance.is_initialized() {
            return Ok(());
        }
        let Some(ctx) = lock(&self.initializer).clone() else {
            return Ok(());
        };
        tracing::debug!(request_id = %ctx.request_id, "replaying the initializer on a new instance");
        instance
            .run_hook(Hook::Initialize, &ctx, initialization_limit(&ctx))
            .await
    }

    /// Remembers the context of the first successful `/initialize`, to replay it on
    /// instances created later.
    pub(crate) fn remember_initializer(&self, ctx: &Context) {
        lock(&self.initializer).get_or_insert_with(|| Arc::new(ctx.clone()));
    }

    /// Runs a lifecycle hook on every idle instance, one at a time, each under
    /// `ctx`'s function timeout. Returns the first failure and the hooks' log tails.
    pub(crate) async fn run_hook_on_idle(
        &self,
        hook: Hook,
        ctx: &Context,
    ) -> (Result<(), HostError>, Vec<u8>) {
        let mut done = Vec::new();
        let mut tails = Vec::new();
        let mut outcome = Ok(());
        while let Ok(permit) = self.permits.acquire().await {
            let Some(mut instance) = lock(&self.idle).pop() else {
                break;
            };
            instance.log().begin_call(&ctx.request_id);
            let result = instance.run_hook(hook, ctx, function_limit(ctx)).await;
            tails.extend(instance.log().end_call());
            match result {
                Ok(()) => done.push(instance),
                Err(error) => {
                    if !error.poisons_instance() {
                        done.push(instance);
                    }
                    if outcome.is_ok() {
                        outcome = Err(error);
                    }
                }
            }
            drop(permit);
        }
        lock(&self.idle).extend(done.into_iter().rev());
        (outcome, tails)
    }

    fn give_back(&self, instance: Instance) {
        lock(&self.idle).push(instance);
    }
}

/// The time limit of an initializer call, from `x-fc-initialization-timeout`.
pub(crate) fn initialization_limit(ctx: &Context) -> Option<Duration> {
    seconds(ctx.function.initialization_timeout_s)
}

/// The time limit of a handler call, from `x-fc-function-timeout`.
pub(crate) fn function_limit(ctx: &Context) -> Option<Duration> {
    seconds(ctx.function.timeout_s)
}

fn seconds(value: i32) -> Option<Duration> {
    u64::try_from(value)
        .ok()
        .filter(|&s| s > 0)
        .map(Duration::from_secs)
}

/// An instance checked out of the pool for one call. [`Lease::finish`] returns it;
/// a lease dropped without finishing (a cancelled call) discards the instance, since
/// its guest may have stopped anywhere.
pub(crate) struct Lease {
    pool: Arc<Pool>,
    instance: Option<Instance>,
    _permit: OwnedSemaphorePermit,
}

impl Lease {
    /// The leased instance.
    pub(crate) fn instance(&mut self) -> &mut Instance {
        // Only `finish` takes the instance, and it consumes the lease.
        self.instance
            .as_mut()
            .expect("a live lease holds its instance")
    }

    /// Ends the call: returns the instance to the pool, or drops it when `poisoned`
    /// (trap, timeout), so the next call gets a fresh one. Returns the call's log tail.
    pub(crate) fn finish(mut self, poisoned: bool) -> Vec<u8> {
        let Some(instance) = self.instance.take() else {
            return Vec::new();
        };
        let tail = instance.log().end_call();
        if !poisoned {
            self.pool.give_back(instance);
        }
        tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_come_from_positive_seconds() {
        assert_eq!(seconds(3), Some(Duration::from_secs(3)));
        assert_eq!(seconds(0), None);
        assert_eq!(seconds(-1), None);
    }
}
