//! The instance pool, and the one place a call runs: [`Pool::run`] takes a slot, leases
//! an instance of one generation, dispatches on that generation's exports, calls the
//! guest under its budget, settles the instance (kept, or replaced after a trap) and
//! frames the whole call with its Start and End lines.
//!
//! Instances are long-lived and reused most-recently-used first, so sequential calls
//! land on the same instance (its globals behave as in a one-process runtime);
//! concurrent calls get instances of their own, up to a maximum, beyond which they wait
//! for at most the queue timeout. Every instance created after the first successful
//! `/initialize` replays it before it serves.
//!
//! Instances belong to a *generation*: one loaded module. [`Pool::swap`] validates a new
//! module (one instance, initialized when the initializer has run) before it becomes
//! current; calls already running finish on the old generation, whose instances are
//! retired (after their `pre-stop`) as they come back.

mod broadcast;
mod lease;
mod run;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use crate::call::Outcome;
use crate::engine::Module;
use crate::error::HostError;
use crate::fc::limits::Limits;
use crate::fc::{Context, Phase};
use crate::frame::Frame;
use crate::instance::Instance;
use crate::logs::{LogSink, lock};
use crate::policy::CallPolicy;
use crate::sandbox::Grants;

/// What the pool's calls run under.
#[derive(Clone, Debug)]
pub(crate) struct PoolConfig {
    /// What every instance may use.
    pub(crate) grants: Grants,
    /// Time and memory limits of each call.
    pub(crate) policy: CallPolicy,
    /// Request and response size limits.
    pub(crate) limits: Limits,
    /// Most live instances, so most calls running at once.
    pub(crate) max_instances: usize,
    /// Where the FC log goes.
    pub(crate) sink: LogSink,
    /// Whether the initializer runs before the first call by itself (when the module
    /// has one), as the platform calls `/initialize` first on FC.
    pub(crate) auto_initialize: bool,
}

/// One loaded module and its idle instances.
struct Generation {
    module: Arc<Module>,
    idle: Mutex<Vec<Instance>>,
}

impl Generation {
    fn new(module: Arc<Module>, capacity: usize) -> Arc<Self> {
        Arc::new(Generation {
            module,
            idle: Mutex::new(Vec::with_capacity(capacity)),
        })
    }
}

/// Long-lived instances of the current module.
pub(crate) struct Pool {
    current: Mutex<Arc<Generation>>,
    config: PoolConfig,
    permits: Arc<Semaphore>,
    initializer: Mutex<Option<Arc<Context>>>,
    /// Held while the initializer runs by itself, so concurrent first calls run it once.
    auto_initializing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("module", &self.module().path())
            .field("max_instances", &self.config.max_instances)
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// A pool of instances of `module`.
    pub(crate) fn new(module: Arc<Module>, config: PoolConfig) -> Self {
        Pool {
            current: Mutex::new(Generation::new(module, config.max_instances)),
            permits: Arc::new(Semaphore::new(config.max_instances)),
            config,
            initializer: Mutex::new(None),
            auto_initializing: tokio::sync::Mutex::new(()),
        }
    }

    /// The module new calls run on.
    pub(crate) fn module(&self) -> Arc<Module> {
        Arc::clone(&self.generation().module)
    }

    /// The limits of requests and responses.
    pub(crate) fn limits(&self) -> &Limits {
        &self.config.limits
    }

    fn generation(&self) -> Arc<Generation> {
        Arc::clone(&lock(&self.current))
    }

    /// The context of the first successful `/initialize`, replayed on instances
    /// created later.
    fn remembered_initializer(&self) -> Option<Arc<Context>> {
        lock(&self.initializer).clone()
    }

    fn remember_initializer(&self, ctx: &Arc<Context>) {
        lock(&self.initializer).get_or_insert_with(|| Arc::new(ctx.for_initializer("")));
    }

    /// Makes `module` current once one instance of it works: instantiated and, when
    /// the initializer has run, initialized with the remembered context. If that
    /// fails, the current version keeps serving and the error says why. The old
    /// generation's idle instances run `pre-stop` and are dropped now, its busy ones
    /// when their calls end.
    pub(crate) async fn swap(&self, module: Arc<Module>) -> Result<(), SwapError> {
        let fresh = Generation::new(module, self.config.max_instances);
        let instance = self.validate(&fresh.module).await?;
        lock(&fresh.idle).push(instance);
        let old = std::mem::replace(&mut *lock(&self.current), fresh);
        let retired = std::mem::take(&mut *lock(&old.idle));
        for instance in retired {
            self.retire(instance).await;
        }
        Ok(())
    }

    /// One instance of a new module, initialized if the initializer has run, in a
    /// frame of its own.
    async fn validate(&self, module: &Module) -> Result<Instance, SwapError> {
        let sink = &self.config.sink;
        let mut instance = Instance::new(module, &self.config.grants, sink)
            .await
            .map_err(SwapError::Instantiate)?;
        let Some(ctx) = self.remembered_initializer() else {
            return Ok(instance);
        };
        let frame = Frame::start(
            sink,
            Phase::Initialize,
            Context::local().request_id(),
            false,
        );
        instance.log().begin_call(frame.request_id());
        let budget = self.config.policy.budget(Phase::Initialize, &ctx);
        let result = instance.lifecycle(Phase::Initialize, &ctx, budget).await;
        instance.log().end_call();
        match result {
            Ok(_) => {
                frame.finish(Ok(crate::body::empty_response()));
                Ok(instance)
            }
            Err(error) => {
                let message = error.to_string();
                frame.finish(Err(error));
                Err(SwapError::Initializer(message))
            }
        }
    }

    /// Runs `pre-stop` on an instance of a replaced generation (in a frame of its own),
    /// then drops it.
    async fn retire(&self, mut instance: Instance) {
        if instance.is_stopped() {
            return;
        }
        let ctx = Arc::new(Context::local());
        let frame = Frame::start(&self.config.sink, Phase::PreStop, ctx.request_id(), false);
        instance.log().begin_call(ctx.request_id());
        let budget = self.config.policy.budget(Phase::PreStop, &ctx);
        let result = instance.lifecycle(Phase::PreStop, &ctx, budget).await;
        instance.log().end_call();
        let _: Outcome = frame.finish(result.map(|_| crate::body::empty_response()));
    }

    /// Stops taking calls: calls that have not started get `ShuttingDown`.
    pub(crate) fn close(&self) {
        self.permits.close();
    }

    /// Drops the idle instances and removes every instance's `/tmp` (at shutdown).
    pub(crate) async fn remove_files(&self) {
        drop(std::mem::take(&mut *lock(&self.generation().idle)));
        let root = Arc::clone(&self.config.grants.tmp_root);
        let _ = tokio::task::spawn_blocking(move || root.remove_now()).await;
    }
}

/// Why a new module version was not swapped in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SwapError {
    /// No instance of it could be made.
    #[error("{0}")]
    Instantiate(HostError),
    /// Its initializer failed (or trapped, or timed out) with the remembered context.
    #[error("initializer failed: {0}")]
    Initializer(String),
}
