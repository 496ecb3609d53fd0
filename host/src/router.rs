//! The socket-free seam: one platform request in, one FC response out. Dispatches on
//! `x-fc-control-path` (then the path), frames each call with FC's Start/End log lines
//! and turns every failure into its FC error response.

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use http_body::Body;
use http_body_util::{BodyExt, Full, Limited};

use crate::bindings::Context;
use crate::error::HostError;
use crate::fc::context;
use crate::fc::control::{CallKind, classify};
use crate::fc::limits::{Limits, check_request};
use crate::fc::log_lines::{Phase, end_line, push_record, start_line};
use crate::instance::Hook;
use crate::logs::{LogSink, TAIL_BYTES, last_bytes};
use crate::pool::{Pool, function_limit, initialization_limit};

/// The error type of request bodies the router accepts.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The response type of every call.
pub type HostResponse = Response<Full<Bytes>>;

/// Request header asking for the call's log in the response (`Tail` or `None`).
const LOG_TYPE: &str = "x-fc-log-type";
/// Request header selecting a synchronous or asynchronous call (`Sync` or `Async`).
const INVOCATION_TYPE: &str = "x-fc-invocation-type";
/// Response header carrying the base64 tail of the call's log.
const LOG_RESULT: &str = "x-fc-log-result";

/// Routes platform requests to the module's instances.
#[derive(Debug)]
pub struct Router {
    pool: Pool,
    sink: LogSink,
    limits: Limits,
}

impl Router {
    /// A router over `pool`, writing FC log lines to `sink`.
    pub fn new(pool: Pool, sink: LogSink, limits: Limits) -> Self {
        Router { pool, sink, limits }
    }

    /// Answers one request. Never fails: every error becomes an FC error response.
    pub async fn handle<B>(&self, request: Request<B>) -> HostResponse
    where
        B: Body<Data = Bytes>,
        B::Error: Into<BoxError>,
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
        let ctx = context::from_headers(&parts.headers);
        let wants_tail = parts
            .headers
            .get(LOG_TYPE)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"tail"));
        let body = match read_body(body, self.body_limit(&parts.headers)).await {
            Ok(body) => body,
            Err(error) => return error_response(&error),
        };
        let phase = match kind {
            CallKind::Invoke => Phase::Invoke,
            CallKind::Initialize => Phase::Initialize,
            CallKind::PreFreeze => Phase::PreFreeze,
            CallKind::PreStop => Phase::PreStop,
            CallKind::Http => {
                return error_response(&HostError::MissingExport("fc:runtime/http-handler@0.1.0"));
            }
        };
        let (response, log) = self
            .framed(phase, &ctx, self.dispatch(kind, &ctx, &body))
            .await;
        with_tail(response, wants_tail.then_some(log.as_slice()))
    }

    /// The body limit of this call: FC allows less for asynchronous invocations.
    fn body_limit(&self, headers: &http::HeaderMap) -> usize {
        let asynchronous = headers
            .get(INVOCATION_TYPE)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"async"));
        if asynchronous {
            self.limits.max_async_body_bytes
        } else {
            self.limits.max_body_bytes
        }
    }

    async fn dispatch(
        &self,
        kind: CallKind,
        ctx: &Context,
        body: &Bytes,
    ) -> (Result<Bytes, HostError>, Vec<u8>) {
        match kind {
            CallKind::Invoke => self.invoke(ctx, body).await,
            CallKind::Initialize => self.initialize(ctx).await,
            CallKind::PreFreeze => self.pool.run_hook_on_idle(Hook::PreFreeze, ctx).await,
            CallKind::PreStop => self.pool.run_hook_on_idle(Hook::PreStop, ctx).await,
            CallKind::Http => (
                Err(HostError::MissingExport("fc:runtime/http-handler@0.1.0")),
                Vec::new(),
            ),
        }
    }

    /// Runs `call` between the phase's Start and End lines, logs a failure as an
    /// `ERROR` record, and returns the response with the framed log of the call.
    async fn framed(
        &self,
        phase: Phase,
        ctx: &Context,
        call: impl Future<Output = (Result<Bytes, HostError>, Vec<u8>)>,
    ) -> (HostResponse, Vec<u8>) {
        let id = &ctx.request_id;
        let start = start_line(phase, id);
        self.sink.write(start.as_bytes());
        let (result, tail) = call.await;
        let mut log = start.into_bytes();
        log.extend_from_slice(&tail);
        let (response, failure) = match result {
            Ok(body) => (Response::new(Full::new(body)), None),
            Err(error) => {
                let mut record = Vec::new();
                let message = format!("{}: {error}", error.error_type());
                push_record(
                    &mut record,
                    std::time::SystemTime::now(),
                    id,
                    "ERROR",
                    message.as_bytes(),
                );
                self.sink.write(&record);
                log.extend_from_slice(&record);
                (error_response(&error), Some("Unhandled function error"))
            }
        };
        let end = end_line(phase, id, failure);
        self.sink.write(end.as_bytes());
        log.extend_from_slice(end.as_bytes());
        (response, log)
    }

    async fn invoke(&self, ctx: &Context, event: &Bytes) -> (Result<Bytes, HostError>, Vec<u8>) {
        let mut lease = match self.pool.checkout(&ctx.request_id).await {
            Ok(lease) => lease,
            Err(error) => return (Err(error), Vec::new()),
        };
        let result = lease
            .instance()
            .handle_event(ctx, event, function_limit(ctx))
            .await
            .map(Bytes::from);
        let poisoned = result.as_ref().is_err_and(HostError::poisons_instance);
        (result, lease.finish(poisoned))
    }

    async fn initialize(&self, ctx: &Context) -> (Result<Bytes, HostError>, Vec<u8>) {
        let mut lease = match self.pool.checkout(&ctx.request_id).await {
            Ok(lease) => lease,
            Err(error) => return (Err(error), Vec::new()),
        };
        let instance = lease.instance();
        if instance.is_initialized() {
            return (Ok(Bytes::new()), lease.finish(false));
        }
        if !instance.has_lifecycle() {
            tracing::warn!("the module exports no initializer: /initialize does nothing");
        }
        let result = instance
            .run_hook(Hook::Initialize, ctx, initialization_limit(ctx))
            .await;
        if result.is_ok() {
            self.pool.remember_initializer(ctx);
        }
        let poisoned = result.as_ref().is_err_and(HostError::poisons_instance);
        (result.map(|()| Bytes::new()), lease.finish(poisoned))
    }
}

/// Reads a whole body, refusing it as soon as it grows past `limit` bytes.
async fn read_body<B>(body: B, limit: usize) -> Result<Bytes, HostError>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(body_too_large(limit));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error)
            if error
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(body_too_large(limit))
        }
        Err(error) => Err(HostError::InvalidArgument(format!(
            "cannot read the request body: {error}"
        ))),
    }
}

fn body_too_large(limit: usize) -> HostError {
    HostError::InvalidArgument(format!(
        "request body is larger than the limit of {limit} bytes"
    ))
}

fn error_response(error: &HostError) -> HostResponse {
    tracing::debug!(%error, "request failed");
    error.to_response().map(Full::new)
}

/// Adds `x-fc-log-result` (base64 of the last 4 KB of the call's log) when asked for.
fn with_tail(mut response: HostResponse, log: Option<&[u8]>) -> HostResponse {
    if let Some(log) = log {
        let encoded = base64::engine::general_purpose::STANDARD.encode(last_bytes(log, TAIL_BYTES));
        if let Ok(value) = HeaderValue::from_str(&encoded) {
            response.headers_mut().insert(LOG_RESULT, value);
        }
    }
    response
}
