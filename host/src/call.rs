//! The unit of work: a [`Call`] is one platform request turned into what the pool runs
//! (which call, its context, its input), and an [`Outcome`] is what it produced.

use std::sync::Arc;

use http::Request;
use http::request::Parts;

use crate::body::{BoxError, HostResponse, RequestBody, declared_length};
use crate::error::HostError;
use crate::fc::headers::{header_is, name};
use crate::fc::limits::{Limits, RequestError};
use crate::fc::{Context, Phase};

/// One call for the pool to run.
#[derive(Debug)]
pub(crate) struct Call {
    /// Which platform call this is.
    pub(crate) phase: Phase,
    /// What the platform says about it.
    pub(crate) ctx: Arc<Context>,
    /// Its input.
    pub(crate) input: Input,
    /// Whether the client asked for the call's log (`x-fc-log-type: Tail`).
    pub(crate) wants_tail: bool,
}

/// What a call carries besides its context.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "made once per call and moved into its future: boxing would only add an allocation"
)]
pub(crate) enum Input {
    /// Lifecycle calls carry nothing.
    None,
    /// An event: the body of `/invoke`.
    Event(RequestBody),
    /// An HTTP-function request, its body not yet read. Its headers are in the call's
    /// context.
    Http(Parts, RequestBody),
}

impl Call {
    /// Turns a platform request into a call: checks the header and path limits and the
    /// declared body length, classifies it and reads its context. The body is not read.
    pub(crate) fn from_request<B>(
        request: Request<B>,
        limits: &Limits,
    ) -> Result<Self, RequestError>
    where
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let (mut parts, body) = request.into_parts();
        limits.check_request(&parts.uri, &parts.headers)?;
        let phase = Phase::classify(&parts.headers, parts.uri.path())?;
        let limit = limits.body_limit(&parts.headers);
        if declared_length(&parts.headers).is_some_and(|length| length > limit as u64) {
            return Err(RequestError::BodyTooLarge { limit });
        }
        let wants_tail = header_is(&parts.headers, &name::LOG_TYPE, "tail");
        let ctx = Arc::new(Context::from_headers(std::mem::take(&mut parts.headers)));
        let body = RequestBody::new(body, limit);
        let input = match phase {
            Phase::Invoke => Input::Event(body),
            Phase::HttpInvoke => Input::Http(parts, body),
            Phase::Initialize | Phase::PreFreeze | Phase::PreStop => Input::None,
        };
        Ok(Call {
            phase,
            ctx,
            input,
            wants_tail,
        })
    }

    /// A call the host makes itself, with no input (a hook at shutdown).
    pub(crate) fn lifecycle(phase: Phase, ctx: Context) -> Self {
        Call {
            phase,
            ctx: Arc::new(ctx),
            input: Input::None,
            wants_tail: false,
        }
    }
}

/// What a call produced: the response (or the failure), and the call's framed log
/// when the client asked for it.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// The call that ran.
    pub(crate) phase: Phase,
    /// The response to send, or why there is none.
    pub(crate) result: Result<HostResponse, HostError>,
    /// The call's log, Start to End line, for `x-fc-log-type: Tail`.
    pub(crate) log: Option<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;

    fn call(request: http::request::Builder) -> Result<Call, RequestError> {
        Call::from_request(
            request.body(Full::new(bytes::Bytes::new())).unwrap(),
            &Limits::default(),
        )
    }

    #[test]
    fn a_request_becomes_the_call_it_names() {
        let invoke = call(Request::post("/invoke").header("x-fc-request-id", "r")).unwrap();
        assert_eq!(invoke.phase, Phase::Invoke);
        assert_eq!(invoke.ctx.request_id(), "r");
        assert!(matches!(invoke.input, Input::Event(_)));
        let http = call(Request::get("/a").header("x-fc-log-type", "Tail")).unwrap();
        assert!(matches!(http.input, Input::Http(..)));
        assert!(http.wants_tail);
        let init = call(Request::post("/initialize")).unwrap();
        assert!(matches!(init.input, Input::None));
    }

    #[test]
    fn an_announced_oversized_body_is_refused_before_it_is_read() {
        let asynchronous = Request::post("/invoke")
            .header("x-fc-invocation-type", "Async")
            .header("content-length", "131073");
        assert_eq!(
            call(asynchronous).unwrap_err(),
            RequestError::BodyTooLarge { limit: 128 * 1024 }
        );
    }
}
