//! The socket-free seam: one platform request in, one FC response out. Dispatches on
//! `x-fc-control-path` (then the path), frames each call with FC's Start/End log lines
//! and turns every failure into its FC error response.

mod body;
mod http;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use ::http::{HeaderMap, HeaderValue, Request, Response};
use base64::Engine as _;
use bytes::Bytes;
use http_body::Body;

pub use self::body::{BoxError, HostBody, HostResponse};
use self::body::{body_too_large, declared_length, full, read_body};
use crate::bindings::Context;
use crate::error::HostError;
use crate::fc::context;
use crate::fc::control::{CallKind, classify};
use crate::fc::limits::{Limits, check_request, check_response_body};
use crate::fc::log_lines::{Marker, Phase, push_record};
use crate::instance::{Budget, Hook};
use crate::logs::{LogSink, TAIL_BYTES, last_bytes};
use crate::pool::Pool;

/// Request header asking for the call's log in the response (`Tail` or `None`).
const LOG_TYPE: &str = "x-fc-log-type";
/// Response header carrying the base64 tail of the call's log.
const LOG_RESULT: &str = "x-fc-log-result";
/// Request header selecting a synchronous or asynchronous call (`Sync` or `Async`).
const INVOCATION_TYPE: &str = "x-fc-invocation-type";

/// The client's address, put in the request's extensions by the server.
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(pub SocketAddr);

/// What a call produced, and the log it wrote (for `x-fc-log-type: Tail`).
type CallResult = (Result<HostResponse, HostError>, Vec<u8>);

/// Routes platform requests to the module's instances.
#[derive(Debug)]
pub struct Router {
    pool: Arc<Pool>,
    sink: LogSink,
    limits: Limits,
}

impl Router {
    /// A router over `pool`, writing FC log lines to `sink`.
    pub fn new(pool: Arc<Pool>, sink: LogSink, limits: Limits) -> Self {
        Router { pool, sink, limits }
    }

    /// The pool behind the router.
    pub fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    /// Answers one request. Never fails: every error becomes an FC error response.
    pub async fn handle<B>(&self, request: Request<B>) -> HostResponse
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let (parts, body) = request.into_parts();
        if let Err(breach) = check_request(&self.limits, &parts.uri, &parts.headers) {
            return error_response(&HostError::InvalidArgument(breach));
        }
        let kind = match classify(&parts.headers, parts.uri.path()) {
            Ok(kind) => kind,
            Err(unknown) => {
                return error_response(&HostError::InvalidArgument(unknown.to_string()));
            }
        };
        let limit = self.body_limit(&parts.headers);
        if declared_length(&parts.headers).is_some_and(|length| length > limit as u64) {
            return error_response(&body_too_large(limit));
        }
        let ctx = context::from_headers(&parts.headers);
        let module = self.pool.module();
        let exports = module.exports();
        if kind == CallKind::Http && exports.http.is_none() && exports.wasi_http.is_some() {
            return Box::pin(self.wasi_http(parts, body, ctx, limit)).await;
        }
        let body = match read_body(body, limit).await {
            Ok(body) => body,
            Err(error) => return error_response(&error),
        };
        let wants_tail = header_is(&parts.headers, LOG_TYPE, "tail");
        let call = self.dispatch(kind, &ctx, &parts, body);
        let phase = phase_of(kind);
        let (response, log) = self.framed(phase, &ctx, wants_tail, call).await;
        with_tail(response, log.as_deref())
    }

    /// What a handler call may use.
    fn function_budget(&self, ctx: &Context) -> Budget {
        let policy = self.pool.policy();
        Budget {
            time: policy.function_limit(ctx),
            memory: policy.memory_cap(ctx),
        }
    }

    /// Runs `pre-stop` on every live instance where it has not run yet, framed by
    /// `FC PreStop` lines: the last thing `bootstrap` does before it exits.
    pub async fn shutdown(&self) {
        let ctx = context::from_headers(&HeaderMap::new());
        let call = async { empty_ok(self.pool.run_hook_on_all(Hook::PreStop, &ctx).await) };
        let (response, _) = self.framed(Phase::PreStop, &ctx, false, call).await;
        if response.status() != 200 {
            tracing::warn!(status = %response.status(), "pre-stop failed during shutdown");
        }
    }

    /// The body limit of this call: FC allows less for asynchronous invocations.
    fn body_limit(&self, headers: &HeaderMap) -> usize {
        if header_is(headers, INVOCATION_TYPE, "async") {
            self.limits.max_async_body_bytes
        } else {
            self.limits.max_body_bytes
        }
    }

    async fn dispatch(
        &self,
        kind: CallKind,
        ctx: &Context,
        parts: &::http::request::Parts,
        body: Bytes,
    ) -> CallResult {
        match kind {
            CallKind::Invoke => self.invoke(ctx, &body).await,
            CallKind::Initialize => Box::pin(self.initialize(ctx)).await,
            CallKind::PreFreeze => {
                empty_ok(Box::pin(self.pool.run_hook_on_all(Hook::PreFreeze, ctx)).await)
            }
            CallKind::PreStop => {
                empty_ok(Box::pin(self.pool.run_hook_on_all(Hook::PreStop, ctx)).await)
            }
            CallKind::Http => self.http(ctx, parts, body).await,
        }
    }

    /// Runs `call` between the phase's Start and End lines, logs a failure as an
    /// `ERROR` record, and returns the response with the framed log of the call.
    async fn framed(
        &self,
        phase: Phase,
        ctx: &Context,
        wants_tail: bool,
        call: impl Future<Output = CallResult>,
    ) -> (HostResponse, Option<Vec<u8>>) {
        let start = Marker::start(phase, &ctx.request_id);
        self.sink.write_with(|out| start.write_to(out));
        let (result, tail) = call.await;
        // The framed log is only assembled when the caller asked for it.
        let mut log = wants_tail.then(|| [start.to_string().as_bytes(), &tail].concat());
        let (response, failed) = match result {
            Ok(response) => {
                let failed = reports_failure(&response);
                (response, failed)
            }
            Err(error) => {
                let record = self.log_failure(&ctx.request_id, &error);
                if let Some(log) = &mut log {
                    log.extend_from_slice(&record);
                }
                let response = match phase {
                    Phase::Invoke => error_response(&error),
                    _ => error.to_hook_response().map(full),
                };
                (response, true)
            }
        };
        let end = Marker::end(phase, &ctx.request_id, failed.then_some(UNHANDLED));
        self.sink.write_with(|out| end.write_to(out));
        if let Some(log) = &mut log {
            log.extend_from_slice(end.to_string().as_bytes());
        }
        (response, log)
    }

    /// Writes an `ERROR` record for a failed call and returns it.
    fn log_failure(&self, request_id: &str, error: &HostError) -> Vec<u8> {
        let mut record = Vec::new();
        let message = format!("{}: {error}", error.error_type());
        push_record(
            &mut record,
            SystemTime::now(),
            request_id,
            "ERROR",
            message.as_bytes(),
        );
        self.sink.write(&record);
        record
    }

    async fn invoke(&self, ctx: &Context, event: &Bytes) -> CallResult {
        let mut lease = match self.pool.checkout(&ctx.request_id).await {
            Ok(lease) => lease,
            Err(error) => return (Err(error), Vec::new()),
        };
        let result = lease
            .instance()
            .handle_event(ctx, event, self.function_budget(ctx))
            .await;
        let poisoned = result.as_ref().is_err_and(HostError::poisons_instance);
        let tail = lease.finish(poisoned);
        let result = result.and_then(|bytes| {
            check_response_body(&self.limits, bytes.len()).map_err(HostError::BadResponse)?;
            Ok(Response::new(full(bytes)))
        });
        (result, tail)
    }

    async fn initialize(&self, ctx: &Context) -> CallResult {
        let mut lease = match self.pool.checkout(&ctx.request_id).await {
            Ok(lease) => lease,
            Err(error) => return (Err(error), Vec::new()),
        };
        let instance = lease.instance();
        if instance.is_initialized() {
            return (Ok(empty_response()), lease.finish(false));
        }
        if !instance.has_lifecycle() {
            tracing::warn!("the module exports no initializer: /initialize does nothing");
        }
        let policy = self.pool.policy();
        let budget = Budget {
            time: policy.initialization_limit(ctx),
            memory: policy.memory_cap(ctx),
        };
        let result = instance.run_hook(Hook::Initialize, ctx, budget).await;
        if result.is_ok() {
            self.pool.remember_initializer(ctx);
        }
        let poisoned = result.as_ref().is_err_and(HostError::poisons_instance);
        let tail = lease.finish(poisoned);
        (result.map(|()| empty_response()), tail)
    }
}

/// What the End line says after a failed call, as FC's Go runtime writes it.
const UNHANDLED: &str = "Unhandled function error";

fn phase_of(kind: CallKind) -> Phase {
    match kind {
        CallKind::Invoke | CallKind::Http => Phase::Invoke,
        CallKind::Initialize => Phase::Initialize,
        CallKind::PreFreeze => Phase::PreFreeze,
        CallKind::PreStop => Phase::PreStop,
    }
}

/// Whether a response the guest built reports failure (`x-fc-status` other than 200).
fn reports_failure(response: &HostResponse) -> bool {
    response
        .headers()
        .get(crate::fc::headers::STATUS)
        .is_some_and(|status| status != "200")
}

fn empty_response() -> HostResponse {
    Response::new(full(Bytes::new()))
}

fn empty_ok((result, tail): (Result<(), HostError>, Vec<u8>)) -> CallResult {
    (result.map(|()| empty_response()), tail)
}

/// Whether a header equals `value`, ignoring ASCII case.
fn header_is(headers: &HeaderMap, name: &str, value: &str) -> bool {
    headers
        .get(name)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(value.as_bytes()))
}

fn error_response(error: &HostError) -> HostResponse {
    tracing::debug!(%error, "request failed");
    error.to_response().map(full)
}

/// Adds `x-fc-log-result` (base64 of the last 4 KB of the call's log) when asked for.
fn with_tail(mut response: HostResponse, log: Option<&[u8]>) -> HostResponse {
    if let Some(log) = log {
        let tail = last_bytes(log, TAIL_BYTES);
        let encoded = base64::engine::general_purpose::STANDARD.encode(tail);
        if let Ok(value) = HeaderValue::from_str(&encoded) {
            response.headers_mut().insert(LOG_RESULT, value);
        }
    }
    response
}
