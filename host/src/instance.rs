//! One live guest instance: its store, the exports it offers, and the calls into them.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::oneshot;
use wasmtime::{Store, UpdateDeadline};
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::bindings::{
    Context, GuestError, event_handler, http_handler, incoming_handler, lifecycle,
};
use crate::engine::Module;
use crate::error::HostError;
use crate::logs::{GuestLog, LogSink};
use crate::state::HostState;

/// The three lifecycle hooks a guest may export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hook {
    /// `initialize`, run once per instance before it serves.
    Initialize,
    /// `pre-freeze`, before the platform freezes the instance.
    PreFreeze,
    /// `pre-stop`, before the platform stops the instance.
    PreStop,
}

/// A long-lived instance of a module, with its own store (and so its own globals).
pub(crate) struct Instance {
    store: Store<HostState>,
    event: Option<event_handler::Guest>,
    lifecycle: Option<lifecycle::Guest>,
    http: Option<http_handler::Guest>,
    wasi_http: Option<incoming_handler::Guest>,
    log: GuestLog,
    initialized: bool,
}

impl Instance {
    /// Instantiates `module` in a fresh store whose output goes to `sink`.
    pub(crate) async fn new(module: &Module, sink: &LogSink) -> Result<Self, HostError> {
        let log = GuestLog::new(sink.clone());
        let pre = module.instance_pre();
        let mut store = Store::new(pre.engine(), HostState::new(log.clone()));
        store.limiter(|state| &mut state.limits);
        // Yield to the scheduler at every epoch tick, so a busy guest never holds a
        // worker thread for long; deadlines are enforced around the call.
        store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Yield(1)));
        store.set_epoch_deadline(1);
        let instance = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| HostError::Instantiate(format!("{e:#}")))?;
        let exports = module.exports();
        // Each export's indices type has its own `load`; the same three lines for each.
        macro_rules! load {
            ($indices:expr) => {
                $indices
                    .as_ref()
                    .map(|indices| indices.load(&mut store, &instance))
                    .transpose()
                    .map_err(|e| HostError::Instantiate(format!("{e:#}")))?
            };
        }
        Ok(Instance {
            event: load!(exports.event),
            lifecycle: load!(exports.lifecycle),
            http: load!(exports.http),
            wasi_http: load!(exports.wasi_http),
            store,
            log,
            initialized: false,
        })
    }

    /// Whether the initializer has succeeded on this instance.
    pub(crate) fn is_initialized(&self) -> bool {
        self.initialized
    }

    /// Whether the module exports the lifecycle interface.
    pub(crate) fn has_lifecycle(&self) -> bool {
        self.lifecycle.is_some()
    }

    /// The instance's log, to frame a call's output.
    pub(crate) fn log(&self) -> &GuestLog {
        &self.log
    }

    /// Calls the event handler.
    pub(crate) async fn handle_event(
        &mut self,
        ctx: &Context,
        event: &[u8],
        limit: Option<Duration>,
    ) -> Result<Vec<u8>, HostError> {
        let guest = self
            .event
            .as_ref()
            .ok_or(HostError::MissingExport("fc:runtime/event-handler@0.1.0"))?;
        self.store.set_epoch_deadline(1);
        let result = deadline(limit, guest.call_handle(&mut self.store, ctx, event)).await;
        settle(result, &self.log)
    }

    /// Calls the `fc:runtime/http-handler` export.
    pub(crate) async fn handle_http(
        &mut self,
        ctx: &Context,
        request: &http_handler::Request,
        limit: Option<Duration>,
    ) -> Result<http_handler::Response, HostError> {
        let guest = self
            .http
            .as_ref()
            .ok_or(HostError::MissingExport("fc:runtime/http-handler@0.1.0"))?;
        self.store.set_epoch_deadline(1);
        let result = deadline(limit, guest.call_handle(&mut self.store, ctx, request)).await;
        settle(result, &self.log)
    }

    /// Calls the standard `wasi:http/incoming-handler` export. The response head goes
    /// to `respond` as soon as the guest sets it; its body streams while the call runs
    /// on, and the call returns when the guest is done.
    pub(crate) async fn handle_wasi_http<B>(
        &mut self,
        request: http::Request<B>,
        respond: oneshot::Sender<Result<http::Response<HyperOutgoingBody>, ErrorCode>>,
        limit: Option<Duration>,
    ) -> Result<(), HostError>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let guest = self
            .wasi_http
            .as_ref()
            .ok_or(HostError::MissingExport("wasi:http/incoming-handler@0.2.x"))?;
        let mut http = self.store.data_mut().http();
        let request = http
            .new_incoming_request(Scheme::Http, request)
            .map_err(|e| HostError::InvalidArgument(format!("{e:#}")))?;
        let outparam = http
            .new_response_outparam(respond)
            .map_err(|e| HostError::Instantiate(format!("{e:#}")))?;
        self.store.set_epoch_deadline(1);
        let call = guest.call_handle(&mut self.store, request, outparam);
        match deadline(limit, call).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(trap)) => Err(HostError::from_trap(&trap, self.log.panic_message())),
            Err(limit) => Err(HostError::Timeout(limit)),
        }
    }

    /// Runs a lifecycle hook. A module without the lifecycle interface has nothing to
    /// run: that is a success. A successful `initialize` marks the instance.
    pub(crate) async fn run_hook(
        &mut self,
        hook: Hook,
        ctx: &Context,
        limit: Option<Duration>,
    ) -> Result<(), HostError> {
        let Some(guest) = self.lifecycle.as_ref() else {
            self.initialized |= hook == Hook::Initialize;
            return Ok(());
        };
        self.store.set_epoch_deadline(1);
        let store = &mut self.store;
        let result = match hook {
            Hook::Initialize => deadline(limit, guest.call_initialize(store, ctx)).await,
            Hook::PreFreeze => deadline(limit, guest.call_pre_freeze(store, ctx)).await,
            Hook::PreStop => deadline(limit, guest.call_pre_stop(store, ctx)).await,
        };
        settle(result, &self.log)?;
        self.initialized |= hook == Hook::Initialize;
        Ok(())
    }
}

/// The outcome of a wasm call: it finished (with the handler's own result, or a trap),
/// or it ran out of time.
type CallOutcome<T> = Result<wasmtime::Result<Result<T, GuestError>>, Duration>;

/// Runs a call, stopping it at `limit`. Dropping the call's future cancels the wasm
/// execution at its next yield point, which the epoch tick guarantees.
async fn deadline<F: Future>(limit: Option<Duration>, call: F) -> Result<F::Output, Duration> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, call).await.map_err(|_| limit),
        None => Ok(call.await),
    }
}

fn settle<T>(outcome: CallOutcome<T>, log: &GuestLog) -> Result<T, HostError> {
    match outcome {
        Ok(Ok(Ok(value))) => Ok(value),
        Ok(Ok(Err(guest_error))) => Err(guest_error.into()),
        Ok(Err(trap)) => Err(HostError::from_trap(&trap, log.panic_message())),
        Err(limit) => Err(HostError::Timeout(limit)),
    }
}
