//! The platform's lifecycle hooks: `pre-freeze` and `pre-stop` run on every live
//! instance, once calls in flight have finished, all within one hook timeout.

use std::sync::Arc;
use std::time::Instant;

use super::Pool;
use crate::body::empty_response;
use crate::call::Outcome;
use crate::error::HostError;
use crate::fc::{Context, Phase};
use crate::frame::Frame;
use crate::instance::Instance;
use crate::logs::lock;
use crate::policy::Budget;

impl Pool {
    /// Runs the hook of `phase` on every live instance of the current generation, in
    /// one frame. It first waits (within the hook timeout) for calls in flight to
    /// finish; instances still busy after that are skipped. `pre-stop` skips instances
    /// where it already ran. The first failure is the outcome.
    pub(crate) async fn broadcast(
        self: &Arc<Self>,
        phase: Phase,
        ctx: &Arc<Context>,
        wants_tail: bool,
    ) -> Outcome {
        let mut frame = Frame::start(&self.config.sink, phase, ctx.request_id(), wants_tail);
        let deadline = Instant::now() + self.config.policy.hook_timeout;
        let everyone = u32::try_from(self.config.max_instances).unwrap_or(u32::MAX);
        let quiet =
            tokio::time::timeout_at(deadline.into(), self.permits.acquire_many(everyone)).await;
        if quiet.is_err() {
            tracing::warn!(
                ?phase,
                "calls still running at the hook timeout: their instances are skipped"
            );
        }
        let generation = self.generation();
        let instances = std::mem::take(&mut *lock(&generation.idle));
        let mut kept = Vec::with_capacity(instances.len());
        let mut outcome = Ok(());
        for mut instance in instances {
            let result = self
                .hook(&mut instance, phase, ctx, deadline, &mut frame)
                .await;
            if !result.as_ref().is_err_and(HostError::poisons_instance) {
                kept.push(instance);
            }
            if outcome.is_ok() {
                outcome = result;
            }
        }
        lock(&generation.idle).extend(kept);
        drop(quiet);
        frame.finish(outcome.map(|()| empty_response()))
    }

    /// Runs one instance's hook with what is left of the round's time. A timeout
    /// reports the round's limit, not what was left of it.
    async fn hook(
        &self,
        instance: &mut Instance,
        phase: Phase,
        ctx: &Arc<Context>,
        deadline: Instant,
        frame: &mut Frame,
    ) -> Result<(), HostError> {
        if phase == Phase::PreStop && instance.is_stopped() {
            return Ok(());
        }
        let budget = Budget {
            time: Some(deadline.saturating_duration_since(Instant::now())),
            ..self.config.policy.budget(phase, ctx)
        };
        instance.log().begin_call(ctx.request_id());
        let result = instance.lifecycle(phase, ctx, budget).await;
        frame.add_guest_log(&instance.log().end_call());
        match result {
            Err(HostError::Timeout { phase, .. }) => Err(HostError::Timeout {
                phase,
                limit: self.config.policy.hook_timeout,
            }),
            other => other,
        }
    }
}
