//! HTTP-function calls: the `fc:runtime/http-handler` export (whole request in, whole
//! response out) and standard `wasi:http/incoming-handler` components (bodies stream
//! both ways, `x-fc-*` headers passed through as a custom container's server gets them).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ::http::request::Parts;
use ::http::{HeaderValue, Request, Response};
use bytes::Bytes;
use http_body::Body;
use http_body_util::BodyExt;
use tokio::sync::oneshot;

use super::body::{BoxError, CapError, CappedBody, HostBody, HostResponse, body_too_large, full};
use super::{CallResult, PeerAddr, Router, UNHANDLED, error_response, reports_failure};
use crate::bindings::{Context, http_handler};
use crate::error::HostError;
use crate::fc::http::{
    RequestLine, filter_response_headers, guest_request_headers, is_stripped_request_header,
    response_head,
};
use crate::fc::limits::check_response_body;
use crate::fc::log_lines::{Marker, Phase};

impl Router {
    /// Calls the `fc:runtime/http-handler` export with the whole request.
    pub(super) async fn http(&self, ctx: &Context, parts: &Parts, body: Bytes) -> CallResult {
        let request = guest_request(parts, body);
        let mut lease = match self.pool.checkout(&ctx.request_id).await {
            Ok(lease) => lease,
            Err(error) => return (Err(error), Vec::new()),
        };
        let result = lease
            .instance()
            .handle_http(ctx, &request, self.function_budget(ctx))
            .await;
        let poisoned = result.as_ref().is_err_and(HostError::poisons_instance);
        let tail = lease.finish(poisoned);
        let response = result.and_then(|response| self.guest_response(response));
        (response, tail)
    }

    /// Builds the client's response from the guest's, applying the platform's rules.
    fn guest_response(&self, response: http_handler::Response) -> Result<HostResponse, HostError> {
        let (status, headers, dropped) = response_head(
            response.status,
            &response.headers,
            self.limits.max_header_bytes,
        )
        .map_err(|bad| HostError::BadResponse(bad.to_string()))?;
        if !dropped.is_empty() {
            tracing::debug!(
                ?dropped,
                "dropped response headers the platform does not allow"
            );
        }
        check_response_body(&self.limits, response.body.len()).map_err(HostError::BadResponse)?;
        let mut reply = Response::new(full(response.body));
        *reply.status_mut() = status;
        *reply.headers_mut() = headers;
        Ok(reply)
    }

    /// Serves a `wasi:http` component. The call runs in a task of its own: the response
    /// goes back as soon as the guest sets it, its body streaming while the guest writes,
    /// and the instance returns to the pool (and the End line is written) when the
    /// guest's `handle` returns, even if the client has gone.
    pub(super) async fn wasi_http<B>(
        &self,
        mut parts: Parts,
        body: B,
        ctx: Context,
        limit: usize,
    ) -> HostResponse
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let id = ctx.request_id.clone();
        self.sink
            .write_with(|out| Marker::start(Phase::Invoke, &id).write_to(out));
        prepare_wasi_headers(&mut parts);
        let exceeded = Arc::new(AtomicBool::new(false));
        let request =
            Request::from_parts(parts, CappedBody::new(body, limit, Arc::clone(&exceeded)));
        let mut lease = match self.pool.checkout(&id).await {
            Ok(lease) => lease,
            Err(error) => return self.end_failed(&id, &error),
        };
        let (respond, responded) = oneshot::channel();
        let sink = self.sink.clone();
        let budget = self.function_budget(&ctx);
        let call = tokio::spawn(async move {
            let result = lease
                .instance()
                .handle_wasi_http(request, respond, budget)
                .await;
            lease.finish(result.as_ref().is_err_and(HostError::poisons_instance));
            result
        });
        let response = match responded.await {
            Ok(Ok(response)) if exceeded.load(Ordering::Relaxed) => {
                drop(response);
                Err(body_too_large(limit))
            }
            Ok(Ok(response)) => self.wasi_response(response),
            Ok(Err(code)) => Err(HostError::Handler {
                error_type: "HttpErrorCode".into(),
                message: format!("the handler answered with the error {code:?}"),
                stack_trace: Vec::new(),
            }),
            // The guest returned (or trapped) without setting a response.
            Err(_) => Err(match call.await {
                Ok(Err(error)) => error,
                _ => HostError::Handler {
                    error_type: "MissingResponse".into(),
                    message: "the handler returned without setting a response".into(),
                    stack_trace: Vec::new(),
                },
            }),
        };
        match response {
            Ok(response) => {
                let failed = reports_failure(&response);
                let end = Marker::end(Phase::Invoke, &id, failed.then_some(UNHANDLED));
                sink.write_with(|out| end.write_to(out));
                response
            }
            Err(error) => self.end_failed(&id, &error),
        }
    }

    /// Writes the failure record and End line of a call, and answers the error.
    fn end_failed(&self, id: &str, error: &HostError) -> HostResponse {
        self.log_failure(id, error);
        self.sink
            .write_with(|out| Marker::end(Phase::Invoke, id, Some(UNHANDLED)).write_to(out));
        error_response(error)
    }

    fn wasi_response(
        &self,
        response: Response<wasmtime_wasi_http::p2::body::HyperOutgoingBody>,
    ) -> Result<HostResponse, HostError> {
        let (mut parts, body) = response.into_parts();
        let dropped = filter_response_headers(&mut parts.headers, self.limits.max_header_bytes)
            .map_err(|bad| HostError::BadResponse(bad.to_string()))?;
        if !dropped.is_empty() {
            tracing::debug!(
                ?dropped,
                "dropped response headers the platform does not allow"
            );
        }
        // A streamed body over the limit is cut off: its status has already gone.
        let capped = CappedBody::new(body, self.limits.max_response_bytes, Arc::default());
        let body = capped.map_err(box_error).boxed_unsync();
        Ok(Response::from_parts(parts, HostBody::Stream(body)))
    }
}

fn box_error(error: CapError) -> BoxError {
    Box::new(error)
}

/// The `fc:runtime/http-handler` request record.
fn guest_request(parts: &Parts, body: Bytes) -> http_handler::Request {
    let peer = parts.extensions.get::<PeerAddr>().map(|peer| peer.0.ip());
    let line = RequestLine::from_parts(parts, peer);
    http_handler::Request {
        method: line.method,
        path: line.path,
        query: line.query,
        queries: line.queries,
        headers: guest_request_headers(&parts.headers),
        body: body.into(),
        client_ip: line.client_ip,
        url: line.url,
        base_path: line.base_path,
    }
}

/// A `wasi:http` guest sees the request as a custom container's server would, minus
/// hop-by-hop headers; it needs a `host` to know the authority.
fn prepare_wasi_headers(parts: &mut Parts) {
    let stripped: Vec<_> = parts
        .headers
        .keys()
        .filter(|name| is_stripped_request_header(name))
        .cloned()
        .collect();
    for name in stripped {
        parts.headers.remove(name);
    }
    if !parts.headers.contains_key(::http::header::HOST) {
        parts
            .headers
            .insert(::http::header::HOST, HeaderValue::from_static("localhost"));
    }
}
