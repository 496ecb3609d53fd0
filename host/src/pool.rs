//! The instance pool: long-lived guest instances reused most-recently-used first, grown
//! lazily up to a maximum, with the initializer replayed on every instance created
//! after the first successful `/initialize`.
//!
//! Sequential requests therefore always land on the same instance (its globals behave
//! as in a one-process runtime); concurrent requests get instances of their own, and
//! beyond the maximum they wait, for at most the queue timeout.
//!
//! Instances belong to a *generation*: one loaded module. A hot swap makes a new
//! generation current; calls already running finish on the old one, whose instances
//! are dropped (after their `pre-stop`) as they come back.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use crate::bindings::Context;
use crate::engine::Module;
use crate::error::HostError;
use crate::instance::{Budget, Hook, Instance};
use crate::logs::{LogSink, lock};
use crate::policy::CallPolicy;
use crate::sandbox::Grants;

/// One loaded module and its idle instances.
struct Generation {
    module: Arc<Module>,
    idle: Mutex<Vec<Instance>>,
}

/// Long-lived instances of the current module.
pub struct Pool {
    current: Mutex<Arc<Generation>>,
    grants: Grants,
    policy: CallPolicy,
    sink: LogSink,
    max_instances: usize,
    permits: Arc<Semaphore>,
    initializer: Mutex<Option<Arc<Context>>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("module", &self.module().path())
            .field("max_instances", &self.max_instances)
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// A pool of at most `max_instances` instances of `module`.
    pub fn new(
        module: Arc<Module>,
        grants: Grants,
        policy: CallPolicy,
        max_instances: usize,
        sink: LogSink,
    ) -> Self {
        Pool {
            current: Mutex::new(Generation::new(module, max_instances)),
            grants,
            policy,
            sink,
            max_instances,
            permits: Arc::new(Semaphore::new(max_instances)),
            initializer: Mutex::new(None),
        }
    }

    /// The module new calls run on.
    pub fn module(&self) -> Arc<Module> {
        Arc::clone(&self.generation().module)
    }

    fn generation(&self) -> Arc<Generation> {
        Arc::clone(&lock(&self.current))
    }

    /// Makes `module` current: new calls get instances of it (which replay the
    /// remembered initializer). The old generation's idle instances run `pre-stop` and
    /// are dropped now, its busy ones when their calls end.
    pub async fn swap(&self, module: Arc<Module>) {
        let fresh = Generation::new(module, self.max_instances);
        let old = std::mem::replace(&mut *lock(&self.current), fresh);
        let retired = std::mem::take(&mut *lock(&old.idle));
        for instance in retired {
            retire(instance, &self.policy).await;
        }
    }

    /// The limits calls run under.
    pub fn policy(&self) -> &CallPolicy {
        &self.policy
    }

    /// Takes an instance for one call attributed to `request_id`: the most recently
    /// used idle one, else a new one. Waits at most the queue timeout for one to be
    /// free. A new instance replays the remembered initializer first; if that fails the
    /// call fails and the instance is dropped.
    pub(crate) async fn checkout(self: &Arc<Self>, request_id: &str) -> Result<Lease, HostError> {
        let permit = self.permit().await?;
        let generation = self.generation();
        let idle = lock(&generation.idle).pop();
        let instance = match idle {
            Some(instance) => instance,
            // Cold path, boxed so its large future does not bloat every call's.
            None => Box::pin(Instance::new(&generation.module, &self.grants, &self.sink)).await?,
        };
        instance.log().begin_call(request_id);
        let mut lease = Lease {
            pool: Arc::clone(self),
            generation,
            instance: Some(instance),
            permit: Some(permit),
        };
        Box::pin(self.replay_initializer(lease.instance())).await?;
        Ok(lease)
    }

    /// A permit for one live instance: at once when one is free (no timer on that
    /// path), else after waiting at most the queue timeout.
    async fn permit(&self) -> Result<OwnedSemaphorePermit, HostError> {
        match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => return Ok(permit),
            Err(TryAcquireError::Closed) => return Err(shut_down()),
            Err(TryAcquireError::NoPermits) => {}
        }
        let waiting = Arc::clone(&self.permits).acquire_owned();
        match tokio::time::timeout(self.policy.queue_timeout, waiting).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(shut_down()),
            Err(_elapsed) => Err(HostError::Busy {
                instances: self.max_instances,
                waited: self.policy.queue_timeout,
            }),
        }
    }

    async fn replay_initializer(&self, instance: &mut Instance) -> Result<(), HostError> {
        if instance.is_initialized() {
            return Ok(());
        }
        let Some(ctx) = lock(&self.initializer).clone() else {
            return Ok(());
        };
        tracing::debug!(request_id = %ctx.request_id, "replaying the initializer on a new instance");
        let budget = Budget {
            time: self.policy.initialization_limit(&ctx),
            memory: self.policy.memory_cap(&ctx),
        };
        instance.run_hook(Hook::Initialize, &ctx, budget).await
    }

    /// Remembers the context of the first successful `/initialize`, to replay it on
    /// instances created later.
    pub(crate) fn remember_initializer(&self, ctx: &Context) {
        lock(&self.initializer).get_or_insert_with(|| Arc::new(ctx.clone()));
    }

    /// Runs a lifecycle hook on every live instance, after waiting (within the hook
    /// timeout) for calls in flight to finish; instances still busy after that are
    /// skipped. The whole round shares one hook timeout. `pre-stop` skips instances
    /// where it already ran. Returns the first failure and the hooks' log.
    pub(crate) async fn run_hook_on_all(
        &self,
        hook: Hook,
        ctx: &Context,
    ) -> (Result<(), HostError>, Vec<u8>) {
        let deadline = Instant::now() + self.policy.hook_timeout;
        let everyone = u32::try_from(self.max_instances).unwrap_or(u32::MAX);
        let quiet =
            tokio::time::timeout_at(deadline.into(), self.permits.acquire_many(everyone)).await;
        if quiet.is_err() {
            tracing::warn!(
                ?hook,
                "calls still running at the hook timeout: their instances are skipped"
            );
        }
        let generation = self.generation();
        let instances = std::mem::take(&mut *lock(&generation.idle));
        let mut kept = Vec::with_capacity(instances.len());
        let mut log = Vec::new();
        let mut outcome = Ok(());
        for mut instance in instances {
            if hook == Hook::PreStop && instance.is_stopped() {
                kept.push(instance);
                continue;
            }
            let budget = Budget {
                time: Some(deadline.saturating_duration_since(Instant::now())),
                memory: self.policy.memory_cap(ctx),
            };
            instance.log().begin_call(&ctx.request_id);
            // A timeout reports the round's limit, not what was left of it.
            let result = match instance.run_hook(hook, ctx, budget).await {
                Err(HostError::Timeout { what, .. }) => Err(HostError::Timeout {
                    what,
                    limit: self.policy.hook_timeout,
                }),
                other => other,
            };
            log.extend(instance.log().end_call());
            if !result.as_ref().is_err_and(HostError::poisons_instance) {
                kept.push(instance);
            }
            if let (Err(error), Ok(())) = (result, &outcome) {
                outcome = Err(error);
            }
        }
        lock(&generation.idle).extend(kept);
        (outcome, log)
    }
}

impl Generation {
    fn new(module: Arc<Module>, max_instances: usize) -> Arc<Self> {
        Arc::new(Generation {
            module,
            idle: Mutex::new(Vec::with_capacity(max_instances)),
        })
    }
}

fn shut_down() -> HostError {
    HostError::Instantiate("the pool is shut down".into())
}

/// Runs `pre-stop` on an instance of a replaced generation, then drops it.
async fn retire(mut instance: Instance, policy: &CallPolicy) {
    if instance.is_stopped() {
        return;
    }
    let ctx = crate::fc::context::from_headers(&http::HeaderMap::new());
    let budget = Budget {
        time: Some(policy.hook_timeout),
        memory: None,
    };
    instance.log().begin_call(&ctx.request_id);
    if let Err(error) = instance.run_hook(Hook::PreStop, &ctx, budget).await {
        tracing::warn!(%error, "pre-stop of a replaced instance failed");
    }
    instance.log().end_call();
}

/// An instance checked out of the pool for one call. [`Lease::finish`] returns it;
/// a lease dropped without finishing (a cancelled call) discards the instance, since
/// its guest may have stopped anywhere.
pub(crate) struct Lease {
    pool: Arc<Pool>,
    generation: Arc<Generation>,
    instance: Option<Instance>,
    permit: Option<OwnedSemaphorePermit>,
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
    /// (trap, timeout, out of memory), so the next call gets a fresh one. An instance
    /// of a replaced generation is retired instead, holding its permit until its
    /// `pre-stop` is done. Returns the call's log tail.
    pub(crate) fn finish(mut self, poisoned: bool) -> Vec<u8> {
        let Some(instance) = self.instance.take() else {
            return Vec::new();
        };
        let tail = instance.log().end_call();
        if poisoned {
            return tail;
        }
        if Arc::ptr_eq(&self.generation, &lock(&self.pool.current)) {
            lock(&self.generation.idle).push(instance);
        } else {
            let permit = self.permit.take();
            let pool = Arc::clone(&self.pool);
            tokio::spawn(async move {
                retire(instance, &pool.policy).await;
                drop(permit);
            });
        }
        tail
    }
}
