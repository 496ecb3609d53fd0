//! What crosses to and from a guest for HTTP and event calls, with the platform's
//! rules applied: the request an HTTP guest sees, and the client's response built from
//! the guest's reply (headers filtered, sizes checked).

use std::net::SocketAddr;

use http::request::Parts;
use http::{HeaderMap, HeaderValue, Response};
use http_body_util::BodyExt as _;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::bindings::{self, http_handler};
use crate::body::{BoxError, CapError, CappedBody, HostBody, HostResponse, full};
use crate::error::HostError;
use crate::fc::http::{
    RequestLine, filter_response_headers, guest_header_block, is_stripped_request_header,
    response_head,
};
use crate::fc::limits::Limits;

/// The client's address, put in the request's extensions by the server.
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(pub SocketAddr);

/// The response to an event call: the handler's bytes.
pub(crate) fn event_response(bytes: Vec<u8>, limits: &Limits) -> Result<HostResponse, HostError> {
    limits.check_response_body(bytes.len())?;
    Ok(Response::new(full(bytes)))
}

/// The `fc:runtime/http-handler` request of a client request.
/// (`parts` without its headers, which are `headers`: the call's context holds them).
pub(crate) fn http_request(
    parts: &Parts,
    headers: &HeaderMap,
    body: bytes::Bytes,
) -> http_handler::Request {
    let peer = parts.extensions.get::<PeerAddr>().map(|peer| peer.0.ip());
    let line = RequestLine::new(parts, headers, peer);
    bindings::http_request(line, guest_header_block(headers), body.into())
}

/// The client's response from an `fc:runtime/http-handler` guest's.
pub(crate) fn http_response(
    response: http_handler::Response,
    limits: &Limits,
) -> Result<HostResponse, HostError> {
    let (status, headers, dropped) =
        response_head(response.status, &response.headers, limits.max_header_bytes)?;
    log_dropped(&dropped);
    limits.check_response_body(response.body.len())?;
    let mut reply = Response::new(full(response.body));
    *reply.status_mut() = status;
    *reply.headers_mut() = headers;
    Ok(reply)
}

/// A `wasi:http` guest sees the request as a custom container's server would, minus
/// hop-by-hop headers; it needs a `host` to know the authority.
pub(crate) fn prepare_wasi_request(parts: &mut Parts) {
    let stripped: Vec<_> = parts
        .headers
        .keys()
        .filter(|name| is_stripped_request_header(name))
        .cloned()
        .collect();
    for name in stripped {
        parts.headers.remove(name);
    }
    if !parts.headers.contains_key(http::header::HOST) {
        parts
            .headers
            .insert(http::header::HOST, HeaderValue::from_static("localhost"));
    }
}

/// The client's response from a `wasi:http` guest's: headers filtered, the body
/// streamed and cut off past the limit (its status has gone by then).
pub(crate) fn wasi_response(
    response: Response<HyperOutgoingBody>,
    limits: &Limits,
) -> Result<HostResponse, HostError> {
    let (mut parts, body) = response.into_parts();
    let dropped = filter_response_headers(&mut parts.headers, limits.max_header_bytes)?;
    log_dropped(&dropped);
    let capped = CappedBody::new(body, limits.max_response_bytes, Default::default());
    let body = capped.map_err(box_error).boxed_unsync();
    Ok(Response::from_parts(parts, HostBody::Stream(body)))
}

fn box_error(error: CapError) -> BoxError {
    Box::new(error)
}

fn log_dropped(dropped: &[String]) {
    if !dropped.is_empty() {
        tracing::debug!(
            ?dropped,
            "dropped response headers the platform does not allow"
        );
    }
}
