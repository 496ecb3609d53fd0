//! One live guest instance: its store, the exports it offers, and the calls into them,
//! each under a time and memory budget.

use std::future::Future;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;
use wasmtime::{Store, UpdateDeadline};
use wasmtime_wasi::I32Exit;
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use std::sync::Arc;

use wasmtime::component::Resource;

use crate::bindings::{GuestError, event_handler, http_handler, incoming_handler, lifecycle};
use crate::engine::Module;
use crate::error::HostError;
use crate::fc::{self, Phase};
use crate::guest_context::CallContext;
use crate::logs::{GuestLog, LogSink};
use crate::policy::Budget;
use crate::sandbox::Grants;
use crate::state::{CallDeadline, HostState};

/// The trap a busy guest gets when an epoch tick finds its deadline passed.
#[derive(Debug, thiserror::Error)]
#[error("the call's deadline passed")]
struct DeadlinePassed;

/// The request body a `wasi:http` guest reads.
pub(crate) type WasiBody = crate::body::CappedBody<
    http_body_util::combinators::UnsyncBoxBody<Bytes, crate::body::BoxError>,
>;

/// Where a `wasi:http` guest's response head goes.
pub(crate) type Respond = oneshot::Sender<Result<http::Response<HyperOutgoingBody>, ErrorCode>>;

/// A long-lived instance of a module, with its own store (and so its own globals).
pub(crate) struct Instance {
    store: Store<HostState>,
    event: Option<event_handler::Guest>,
    lifecycle: Option<lifecycle::Guest>,
    http: Option<http_handler::Guest>,
    wasi_http: Option<incoming_handler::Guest>,
    log: GuestLog,
    initialized: bool,
    stopped: bool,
}

impl Instance {
    /// Instantiates `module` in a fresh store with `grants`, writing to `sink`.
    pub(crate) async fn new(
        module: &Module,
        grants: &Grants,
        sink: &LogSink,
    ) -> Result<Self, HostError> {
        let log = GuestLog::new(sink.clone());
        let pre = module.instance_pre();
        let state = HostState::new(log.clone(), grants)
            .map_err(|e| HostError::Instantiate(format!("{e:#}")))?;
        let mut store = Store::new(pre.engine(), state);
        store.limiter(|state| &mut state.memory);
        // At every epoch tick a busy guest is stopped if its deadline has passed, or
        // else yields to the scheduler, so it never holds a worker thread for long. A
        // guest waiting in a host call is stopped by the timer around the call.
        store.epoch_deadline_callback(|store| match store.data().deadline {
            Some(deadline) if Instant::now() >= deadline.at => {
                Err(wasmtime::Error::new(DeadlinePassed))
            }
            _ => Ok(UpdateDeadline::Yield(1)),
        });
        store.set_epoch_deadline(1);
        let instance = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| HostError::Instantiate(format!("{e:#}")))?;
        let exports = module.exports();
        // Each export's indices type has its own `load`; the same lines for each.
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
            stopped: false,
        })
    }

    /// Whether the initializer has succeeded on this instance.
    pub(crate) fn is_initialized(&self) -> bool {
        self.initialized
    }

    /// Whether `pre-stop` has run on this instance.
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// The instance's log, to frame a call's output.
    pub(crate) fn log(&self) -> &GuestLog {
        &self.log
    }

    /// Calls `fc:runtime/event-handler.handle`.
    pub(crate) async fn event(
        &mut self,
        ctx: &Arc<fc::Context>,
        event: &[u8],
        budget: Budget,
    ) -> Result<Vec<u8>, HostError> {
        let guest = self.event.as_ref().ok_or(HostError::MissingExport(EVENT))?;
        let handle = begin_context(&mut self.store, ctx)?;
        let due = prepare(&mut self.store, budget);
        let call = guest.call_handle(&mut self.store, borrowed(&handle), event);
        let outcome = deadline(due, call).await;
        self.store.data_mut().end_context(handle);
        settle(outcome, Phase::Invoke, &mut self.store, &self.log)
    }

    /// Calls `fc:runtime/http-handler.handle` with the whole request.
    pub(crate) async fn http(
        &mut self,
        ctx: &Arc<fc::Context>,
        request: &http_handler::Request,
        budget: Budget,
    ) -> Result<http_handler::Response, HostError> {
        let guest = self.http.as_ref().ok_or(HostError::MissingExport(HTTP))?;
        let handle = begin_context(&mut self.store, ctx)?;
        let due = prepare(&mut self.store, budget);
        let call = guest.call_handle(&mut self.store, borrowed(&handle), request);
        let outcome = deadline(due, call).await;
        self.store.data_mut().end_context(handle);
        settle(outcome, Phase::HttpInvoke, &mut self.store, &self.log)
    }

    /// Calls `wasi:http/incoming-handler.handle`: the response head goes to `respond`
    /// as soon as the guest sets it, its body streams while the call runs on.
    pub(crate) async fn wasi_http(
        &mut self,
        request: http::Request<WasiBody>,
        respond: Respond,
        budget: Budget,
    ) -> Result<(), HostError> {
        let guest = self
            .wasi_http
            .as_ref()
            .ok_or(HostError::MissingExport(WASI_HTTP))?;
        let mut http = self.store.data_mut().http();
        let request = http
            .new_incoming_request(Scheme::Http, request)
            .map_err(|e| HostError::Instantiate(format!("{e:#}")))?;
        let outparam = http
            .new_response_outparam(respond)
            .map_err(|e| HostError::Instantiate(format!("{e:#}")))?;
        let due = prepare(&mut self.store, budget);
        let call = guest.call_handle(&mut self.store, request, outparam);
        let outcome = deadline(due, async { call.await.map(Ok) }).await;
        settle(outcome, Phase::HttpInvoke, &mut self.store, &self.log)
    }

    /// Calls a lifecycle export: `initialize`, `pre-freeze` or `pre-stop`. A module
    /// without the lifecycle interface has nothing to run: that is a success. A
    /// successful `initialize` marks the instance, a successful `pre-stop` too.
    pub(crate) async fn lifecycle(
        &mut self,
        phase: Phase,
        ctx: &Arc<fc::Context>,
        budget: Budget,
    ) -> Result<(), HostError> {
        if let Some(guest) = self.lifecycle.clone() {
            let handle = begin_context(&mut self.store, ctx)?;
            let due = prepare(&mut self.store, budget);
            let (store, ctx) = (&mut self.store, borrowed(&handle));
            let outcome = match phase {
                Phase::Initialize => deadline(due, guest.call_initialize(store, ctx)).await,
                Phase::PreFreeze => deadline(due, guest.call_pre_freeze(store, ctx)).await,
                _ => deadline(due, guest.call_pre_stop(store, ctx)).await,
            };
            self.store.data_mut().end_context(handle);
            settle(outcome, phase, &mut self.store, &self.log)?;
        }
        self.initialized |= phase == Phase::Initialize;
        self.stopped |= phase == Phase::PreStop;
        Ok(())
    }

    /// Whether the module exports the event handler.
    pub(crate) fn exports_event(&self) -> bool {
        self.event.is_some()
    }

    /// Whether the module exports the lifecycle interface.
    pub(crate) fn exports_lifecycle(&self) -> bool {
        self.lifecycle.is_some()
    }

    /// Whether the module exports what an HTTP call needs, and which.
    pub(crate) fn http_export(&self) -> Option<HttpExport> {
        match (&self.http, &self.wasi_http) {
            (Some(_), _) => Some(HttpExport::Handler),
            (None, Some(_)) => Some(HttpExport::WasiHttp),
            (None, None) => None,
        }
    }
}

/// How an instance serves HTTP-function calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HttpExport {
    /// `fc:runtime/http-handler`: the whole request in, the whole response out.
    Handler,
    /// `wasi:http/incoming-handler`: bodies stream both ways.
    WasiHttp,
}

/// The interface names in `MissingExport` errors.
pub(crate) const EVENT: &str = "fc:runtime/event-handler@0.2.0";
pub(crate) const HTTP: &str = "fc:runtime/http-handler@0.2.0";
const WASI_HTTP: &str = "wasi:http/incoming-handler@0.2.x";

/// Puts the call's context in the instance's table.
fn begin_context(
    store: &mut Store<HostState>,
    ctx: &Arc<fc::Context>,
) -> Result<Resource<CallContext>, HostError> {
    store
        .data_mut()
        .begin_context(ctx)
        .map_err(|e| HostError::Instantiate(format!("{e:#}")))
}

/// The guest's borrow of a context the host owns.
fn borrowed(handle: &Resource<CallContext>) -> Resource<CallContext> {
    Resource::new_borrow(handle.rep())
}

/// Arms the store for a call: a fresh epoch deadline, the call's wall-clock deadline
/// (returned, for the timer around the call) and its memory cap.
fn prepare(store: &mut Store<HostState>, budget: Budget) -> Option<CallDeadline> {
    store.set_epoch_deadline(1);
    let state = store.data_mut();
    state.deadline = budget.time.map(|limit| CallDeadline {
        at: Instant::now() + limit,
        limit,
    });
    let memory = &mut state.memory;
    memory.set_limit(budget.memory);
    memory.take_denied();
    state.deadline
}

/// The outcome of a wasm call: it finished (with the handler's own result, or a trap),
/// or it ran out of time.
type CallOutcome<T> = Result<wasmtime::Result<Result<T, GuestError>>, Duration>;

/// Runs a call, stopping it at `due` (the same instant the epoch callback checks).
/// Dropping the call's future cancels the wasm
/// execution at its next yield point, which the epoch tick guarantees. Most calls
/// finish in their first poll: only a call that has to wait (it yielded at an epoch
/// tick, or waits in a host call) arms a timer. The call is boxed: wasmtime's call
/// futures are large, and every layer above would otherwise carry (and move) them.
async fn deadline<F: Future>(due: Option<CallDeadline>, call: F) -> Result<F::Output, Duration> {
    let mut call = Box::pin(call);
    let Some(due) = due else {
        return Ok(call.await);
    };
    if let Poll::Ready(output) =
        std::future::poll_fn(|cx| Poll::Ready(call.as_mut().poll(cx))).await
    {
        return Ok(output);
    }
    tokio::time::timeout_at(tokio::time::Instant::from_std(due.at), call)
        .await
        .map_err(|_| due.limit)
}

/// Turns a call's outcome into the host's result. A trap after a refused memory growth
/// is reported as running out of memory.
fn settle<T>(
    outcome: CallOutcome<T>,
    phase: Phase,
    store: &mut Store<HostState>,
    log: &GuestLog,
) -> Result<T, HostError> {
    match outcome {
        Ok(Ok(Ok(value))) => Ok(value),
        Ok(Ok(Err(guest_error))) => Err(guest_error.into()),
        Ok(Err(trap)) if trap.is::<DeadlinePassed>() => Err(HostError::Timeout {
            phase,
            limit: store.data().deadline.map_or(Duration::ZERO, |d| d.limit),
        }),
        Ok(Err(trap)) if trap.is::<I32Exit>() => Err(HostError::Exited {
            status: trap.downcast_ref::<I32Exit>().map_or(0, |exit| exit.0),
        }),
        Ok(Err(trap)) => {
            let memory = &mut store.data_mut().memory;
            match (memory.take_denied(), memory.limit()) {
                (Some(denied), Some(limit)) => Err(HostError::OutOfMemory {
                    requested_mb: denied.requested.div_ceil(1 << 20),
                    limit_mb: limit >> 20,
                    shared: denied.shared,
                }),
                _ => Err(HostError::from_trap(&trap, log.panic_message())),
            }
        }
        Err(limit) => Err(HostError::Timeout { phase, limit }),
    }
}
