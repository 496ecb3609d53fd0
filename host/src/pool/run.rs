//! Running one call: slot, lease, dispatch on the leased generation's exports, the
//! guest call under its budget, settling the instance, and the call's frame.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use http::request::Parts;
use tokio::sync::oneshot;
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::Pool;
use super::lease::Lease;
use crate::body::{HostResponse, RequestBody, empty_response};
use crate::call::{Call, Input, Outcome};
use crate::error::HostError;
use crate::fc::http::BadResponse;
use crate::fc::limits::RequestError;
use crate::fc::{Context, Phase};
use crate::frame::Frame;
use crate::instance::{EVENT, HTTP, HttpExport};
use crate::policy::Budget;
use crate::reply;

/// A `wasi:http` guest's response head, as it set it.
type Head = Result<http::Response<HyperOutgoingBody>, ErrorCode>;

/// A finished `wasi:http` guest task: its lease and the guest's result.
type Joined = Result<(Lease, Result<(), HostError>), tokio::task::JoinError>;

impl Pool {
    /// Runs one call from start to end and returns what it produced. The Start line is
    /// written first and the End line exactly once, after the guest is done (for a
    /// streamed `wasi:http` response, when its handler returns).
    pub(crate) async fn run(self: Arc<Self>, call: Call) -> Outcome {
        if call.phase.is_hook() {
            return Box::pin(self.broadcast(call.phase, &call.ctx, call.wants_tail)).await;
        }
        if let Err(error) = self.initialize_first(call.phase, &call.ctx).await {
            let sink = &self.config.sink;
            let frame = Frame::start(sink, call.phase, call.ctx.request_id(), call.wants_tail);
            return frame.finish(Err(error));
        }
        let sink = &self.config.sink;
        let frame = Frame::start(sink, call.phase, call.ctx.request_id(), call.wants_tail);
        let lease = match self.checkout(&call.ctx).await {
            Ok(lease) => lease,
            Err(error) => return frame.finish(Err(error)),
        };
        let budget = self.config.policy.budget(call.phase, &call.ctx);
        let ctx = &call.ctx;
        match call.input {
            Input::Event(body) => self.event(lease, frame, ctx, body, budget).await,
            // Boxed, like the hooks and `wasi:http`: the call's future is then sized for
            // the event path (1,984 bytes, not 2,784), and it is moved once per call.
            // Measured with callgrind: -1,086 instructions per `/invoke`, +413 per
            // HTTP-function call.
            Input::Http(parts, body) => {
                Box::pin(self.http(lease, frame, ctx, parts, body, budget)).await
            }
            Input::None => self.initialize(lease, frame, ctx, budget).await,
        }
    }

    /// Runs the initializer before the first call, as the platform would have (when
    /// `auto_initialize` is on and the module has one); in a frame of its own, with the
    /// call's context and a request id of its own. A failure fails the call, and the
    /// next call tries again.
    async fn initialize_first(
        self: &Arc<Self>,
        phase: Phase,
        ctx: &Arc<Context>,
    ) -> Result<(), HostError> {
        let wanted = self.config.auto_initialize
            && matches!(phase, Phase::Invoke | Phase::HttpInvoke)
            && self.remembered_initializer().is_none()
            && self.module().exports().has_lifecycle();
        if !wanted {
            return Ok(());
        }
        let _one = self.auto_initializing.lock().await;
        if self.remembered_initializer().is_some() {
            return Ok(());
        }
        let initialize = Call::lifecycle(Phase::Initialize, ctx.for_initializer("-initialize"));
        Box::pin(Arc::clone(self).run(initialize))
            .await
            .result
            .map(drop)
    }

    async fn checkout(self: &Arc<Self>, ctx: &Arc<Context>) -> Result<Lease, HostError> {
        let permit = self.permit().await?;
        self.lease(permit, ctx.request_id()).await
    }

    async fn event(
        &self,
        mut lease: Lease,
        mut frame: Frame,
        ctx: &Arc<Context>,
        body: RequestBody,
        budget: Budget,
    ) -> Outcome {
        if !lease.instance().exports_event() {
            return untouched(lease, frame, Err(HostError::MissingExport(EVENT)));
        }
        let event = match body.read(budget.time).await {
            Ok(event) => event,
            Err(error) => return untouched(lease, frame, Err(error.into())),
        };
        let result = lease.instance().event(ctx, &event, budget).await;
        frame.add_guest_log(&lease.finish(&result));
        frame.finish(result.and_then(|bytes| reply::event_response(bytes, self.limits())))
    }

    async fn initialize(
        &self,
        mut lease: Lease,
        mut frame: Frame,
        ctx: &Arc<Context>,
        budget: Budget,
    ) -> Outcome {
        let instance = lease.instance();
        if instance.is_initialized() {
            return untouched(lease, frame, Ok(empty_response()));
        }
        if !instance.exports_lifecycle() {
            tracing::warn!("the module exports no initializer: /initialize does nothing");
        }
        let result = instance.lifecycle(Phase::Initialize, ctx, budget).await;
        if result.is_ok() {
            self.remember_initializer(ctx);
        }
        frame.add_guest_log(&lease.finish(&result));
        frame.finish(result.map(|()| empty_response()))
    }

    async fn http(
        &self,
        mut lease: Lease,
        mut frame: Frame,
        ctx: &Arc<Context>,
        parts: Parts,
        body: RequestBody,
        budget: Budget,
    ) -> Outcome {
        match lease.instance().http_export() {
            Some(HttpExport::Handler) => {}
            Some(HttpExport::WasiHttp) => {
                return Box::pin(self.wasi_http(lease, frame, ctx, parts, body, budget)).await;
            }
            None => return untouched(lease, frame, Err(HostError::MissingExport(HTTP))),
        }
        let body = match body.read(budget.time).await {
            Ok(body) => body,
            Err(error) => return untouched(lease, frame, Err(error.into())),
        };
        let request = reply::http_request(&parts, ctx.headers(), body);
        let result = lease.instance().http(ctx, &request, budget).await;
        frame.add_guest_log(&lease.finish(&result));
        frame.finish(result.and_then(|response| reply::http_response(response, self.limits())))
    }

    /// Serves a `wasi:http` component. The guest runs in a task of its own: the
    /// response goes back as soon as the guest sets it, its body streaming while the
    /// guest writes, and the End line is written when the guest's `handle` returns.
    async fn wasi_http(
        &self,
        mut lease: Lease,
        mut frame: Frame,
        ctx: &Context,
        mut parts: Parts,
        body: RequestBody,
        budget: Budget,
    ) -> Outcome {
        parts.headers = ctx.headers().clone();
        reply::prepare_wasi_request(&mut parts);
        let limit = body.limit();
        let (body, exceeded) = body.capped();
        let request = http::Request::from_parts(parts, body);
        let (respond, mut responded) = oneshot::channel();
        let mut guest = tokio::spawn(async move {
            let result = lease.instance().wasi_http(request, respond, budget).await;
            (lease, result)
        });
        let head = tokio::select! {
            head = &mut responded => head.ok(),
            joined = &mut guest => {
                // The guest returned first: its response is set, or it never will be.
                let head = responded.try_recv().ok();
                let result = settle_wasi_guest(&mut frame, joined, head.is_some());
                let over = exceeded.load(Ordering::Relaxed);
                let response = result.and_then(|()| self.wasi_head(head, over, limit));
                return frame.finish(response);
            }
        };
        let response = self.wasi_head(head, exceeded.load(Ordering::Relaxed), limit);
        if response.is_err() {
            let joined = guest.await;
            let _ = settle_wasi_guest(&mut frame, joined, true);
            return frame.finish(response);
        }
        // The guest goes on writing the body: its frame ends when it returns.
        tokio::spawn(async move {
            let result = settle_wasi_guest(&mut frame, guest.await, true);
            frame.finish(result.map(|()| empty_response()));
        });
        Outcome {
            phase: Phase::HttpInvoke,
            result: response,
            log: None,
        }
    }

    /// The client's response from what the guest set: its response, an error code,
    /// or nothing; a request whose body went over the limit is refused whatever the
    /// guest answered.
    fn wasi_head(
        &self,
        head: Option<Head>,
        exceeded: bool,
        limit: usize,
    ) -> Result<HostResponse, HostError> {
        match head {
            Some(Ok(_)) if exceeded => Err(RequestError::BodyTooLarge { limit }.into()),
            Some(Ok(response)) => reply::wasi_response(response, self.limits()),
            Some(Err(code)) => Err(error_code(&code)),
            None => Err(BadResponse::Missing.into()),
        }
    }
}

/// Settles the lease of a finished `wasi:http` guest and adds its log to the frame. A
/// guest that returned without setting its response still holds it: that instance is
/// replaced. A task that panicked lost its instance with it.
fn settle_wasi_guest(frame: &mut Frame, joined: Joined, responded: bool) -> Result<(), HostError> {
    match joined {
        Ok((lease, result)) if !responded && result.is_ok() => {
            frame.add_guest_log(&lease.discard());
            Err(BadResponse::Missing.into())
        }
        Ok((lease, result)) => {
            frame.add_guest_log(&lease.finish(&result));
            result
        }
        Err(failed) => Err(HostError::Instantiate(format!(
            "the call's task failed: {failed}"
        ))),
    }
}

/// Ends a call whose guest was never called: the instance goes back untouched.
fn untouched(lease: Lease, mut frame: Frame, result: Result<HostResponse, HostError>) -> Outcome {
    frame.add_guest_log(&lease.finish(&Ok::<(), HostError>(())));
    frame.finish(result)
}

/// A `wasi:http` guest answered with an error code instead of a response.
fn error_code(code: &ErrorCode) -> HostError {
    HostError::Handler {
        error_type: "HttpErrorCode".into(),
        message: format!("the handler answered with the error {code:?}"),
        stack_trace: Vec::new(),
    }
}
