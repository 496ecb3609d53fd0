//! The call's context as a guest reads it: an `fc:runtime/context.context` resource in
//! the instance's table, made for one call and removed after it, whose methods read the
//! protocol's [`fc::Context`] (a guest pays only for the fields it reads).

use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::Resource;

use crate::bindings::{self, Credentials, Fields, Tracing, context};
use crate::fc;
use crate::fc::context::{Number, Text};
use crate::state::HostState;

/// One call's context, held in the table while the call runs. (`pub`: the generated
/// bindings, private to the crate, name it.)
#[derive(Debug)]
#[allow(unreachable_pub, reason = "named by the private generated bindings")]
pub struct CallContext {
    ctx: Arc<fc::Context>,
}

impl HostState {
    /// Puts `ctx` in the table for one call; give the handle back with
    /// [`HostState::end_context`].
    pub(crate) fn begin_context(
        &mut self,
        ctx: &Arc<fc::Context>,
    ) -> wasmtime::Result<Resource<CallContext>> {
        let ctx = Arc::clone(ctx);
        Ok(self.table.push(CallContext { ctx })?)
    }

    /// Removes a call's context from the table.
    pub(crate) fn end_context(&mut self, handle: Resource<CallContext>) {
        let _ = self.table.delete(handle);
    }

    /// The context behind a handle (a trap for a handle that is not one).
    fn read(&self, handle: &Resource<CallContext>) -> wasmtime::Result<&fc::Context> {
        Ok(&self.table.get(handle)?.ctx)
    }
}

/// Reads one field of the context of `handle` (methods cannot fail but on a bad handle).
macro_rules! field {
    ($state:expr, $handle:expr, |$ctx:ident| $value:expr) => {{
        let $ctx = $state.read(&$handle)?;
        Ok($value)
    }};
}

impl context::HostContext for HostState {
    fn request_id(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        field!(self, this, |ctx| ctx.request_id().to_owned())
    }

    fn credentials(&mut self, this: Resource<CallContext>) -> wasmtime::Result<Credentials> {
        field!(self, this, |ctx| bindings::credentials(ctx))
    }

    fn function_name(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        field!(self, this, |ctx| ctx.text(Text::FunctionName))
    }

    fn function_handler(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        field!(self, this, |ctx| ctx.text(Text::FunctionHandler))
    }

    fn memory_mb(&mut self, this: Resource<CallContext>) -> wasmtime::Result<i32> {
        field!(self, this, |ctx| ctx.number(Number::MemoryMb))
    }

    fn timeout_s(&mut self, this: Resource<CallContext>) -> wasmtime::Result<i32> {
        field!(self, this, |ctx| ctx.number(Number::TimeoutS))
    }

    fn initializer(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        field!(self, this, |ctx| ctx.text(Text::Initializer))
    }

    fn initialization_timeout_s(&mut self, this: Resource<CallContext>) -> wasmtime::Result<i32> {
        field!(self, this, |ctx| ctx.number(Number::InitializationTimeoutS))
    }

    fn service_name(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        field!(self, this, |ctx| ctx.text(Text::ServiceName))
    }

    fn log_project(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        field!(self, this, |ctx| ctx.text(Text::LogProject))
    }

    fn log_store(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        field!(self, this, |ctx| ctx.text(Text::LogStore))
    }

    fn qualifier(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        field!(self, this, |ctx| ctx.text(Text::Qualifier))
    }

    fn version_id(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        field!(self, this, |ctx| ctx.text(Text::VersionId))
    }

    fn region(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        field!(self, this, |ctx| ctx.text(Text::Region))
    }

    fn account_id(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        field!(self, this, |ctx| ctx.text(Text::AccountId))
    }

    fn retry_count(&mut self, this: Resource<CallContext>) -> wasmtime::Result<i32> {
        field!(self, this, |ctx| ctx.number(Number::RetryCount))
    }

    fn instance_id(&mut self, this: Resource<CallContext>) -> wasmtime::Result<String> {
        self.read(&this)?;
        Ok(self.instance_id.to_string())
    }

    fn tracing(&mut self, this: Resource<CallContext>) -> wasmtime::Result<Tracing> {
        field!(self, this, |ctx| bindings::tracing(ctx))
    }

    fn remaining_time_ms(&mut self, this: Resource<CallContext>) -> wasmtime::Result<Option<u64>> {
        self.read(&this)?;
        Ok(self.deadline.map(|deadline| {
            let left = deadline.at.saturating_duration_since(Instant::now());
            u64::try_from(left.as_millis()).unwrap_or(u64::MAX)
        }))
    }

    fn fields(&mut self, this: Resource<CallContext>) -> wasmtime::Result<Fields> {
        let instance_id = Arc::clone(&self.instance_id);
        field!(self, this, |ctx| bindings::fields(ctx, &instance_id))
    }

    fn drop(&mut self, this: Resource<CallContext>) -> wasmtime::Result<()> {
        // Guests only ever borrow a context; the host removes it after the call.
        let _ = self.table.delete(this);
        Ok(())
    }
}

impl context::Host for HostState {}
