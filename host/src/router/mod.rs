//! The socket-free seam: one platform request in, one FC response out. The router
//! turns the request into a [`Call`], has the pool run it, and turns the [`Outcome`]
//! into the response; nothing more.

mod detach;

use std::sync::Arc;

use base64::Engine as _;
use http::{HeaderValue, Request};

use self::detach::Detached;
use crate::body::{BoxError, HostResponse, full};
use crate::call::{Call, Outcome};
use crate::error::HostError;
use crate::fc::headers::LOG_RESULT;
use crate::fc::{Context, Phase};
use crate::logs::{TAIL_BYTES, last_bytes};
use crate::pool::Pool;

/// Routes platform requests to the module's instances.
#[derive(Debug)]
pub struct Router {
    pool: Arc<Pool>,
}

impl Router {
    /// A router in front of `pool`.
    pub(crate) fn new(pool: Arc<Pool>) -> Self {
        Router { pool }
    }

    /// Answers one request. Never fails: every error becomes an FC error response. A
    /// call whose client goes away before the answer still runs to its end (and its
    /// instance is kept or replaced as usual).
    pub async fn handle<B>(&self, request: Request<B>) -> HostResponse
    where
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let call = match Call::from_request(request, self.pool.limits()) {
            Ok(call) => call,
            Err(refused) => return error_response(Phase::Invoke, &refused.into()),
        };
        let outcome = Detached::new(Arc::clone(&self.pool).run(call)).await;
        respond(outcome)
    }

    /// Runs `pre-stop` on every live instance where it has not run yet, framed by
    /// `FC PreStop` lines, then refuses new calls and removes the guests' `/tmp`: the
    /// last thing `bootstrap` does before it exits.
    pub async fn shutdown(&self) {
        let call = Call::lifecycle(Phase::PreStop, Context::local());
        let outcome = Arc::clone(&self.pool).run(call).await;
        if let Err(error) = &outcome.result {
            tracing::warn!(%error, "pre-stop failed during shutdown");
        }
        self.pool.close();
        self.pool.remove_files().await;
    }
}

/// The response to an outcome: the call's own, or its error's, with the call's log
/// in `x-fc-log-result` when the client asked for it.
fn respond(outcome: Outcome) -> HostResponse {
    let response = match outcome.result {
        Ok(response) => response,
        Err(error) => error_response(outcome.phase, &error),
    };
    with_tail(response, outcome.log.as_deref())
}

fn error_response(phase: Phase, error: &HostError) -> HostResponse {
    tracing::debug!(%error, "request failed");
    error.to_response(phase).map(full)
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
