//! Host bindings generated from `wit/` (the `runtime` world of `fc:runtime@0.2.0`: the
//! `handler` world and the host services some languages import),
//! private to the crate, and the conversions between them and the protocol's own types:
//! the one place the protocol meets the generated code.

mod generated {
    wasmtime::component::bindgen!({
        world: "runtime",
        path: "../wit",
        imports: { default: trappable },
        exports: { default: async },
        with: {
            "fc:runtime/context.context": crate::guest_context::CallContext,
            "fc:runtime/digest.hasher": crate::digest::Hasher,
        },
    });
}

pub(crate) use generated::Runtime as Handler;
pub(crate) use generated::exports::fc::runtime::{event_handler, http_handler, lifecycle};
pub(crate) use generated::fc::runtime::context::{self as context, Credentials, Fields, Tracing};
pub(crate) use generated::fc::runtime::digest;
pub(crate) use generated::fc::runtime::log::{self, Level};
pub(crate) use generated::fc::runtime::types::{self, Error as GuestError};
pub(crate) use wasmtime_wasi_http::p2::bindings::exports::wasi::http::incoming_handler;

use crate::error::HostError;
use crate::fc;
use crate::fc::context::{Number, Text};
use crate::fc::response::{MAX_ERROR_MESSAGE, MAX_STACK_FRAME, cut, cut_frames};

/// The package version this host serves; a component built against another one is
/// refused at load.
pub(crate) const PACKAGE_VERSION: &str = "0.2.0";

impl From<GuestError> for HostError {
    fn from(error: GuestError) -> Self {
        let error_type = error
            .error_type
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "HandlerError".to_string());
        HostError::Handler {
            error_type: cut(error_type, MAX_STACK_FRAME),
            message: cut(error.message, MAX_ERROR_MESSAGE),
            stack_trace: cut_frames(error.stack_trace.unwrap_or_default()),
        }
    }
}

/// The context's credentials, as the guest reads them.
pub(crate) fn credentials(ctx: &fc::Context) -> Credentials {
    Credentials {
        access_key_id: ctx.text(Text::AccessKeyId),
        access_key_secret: ctx.text(Text::AccessKeySecret),
        security_token: ctx.text(Text::SecurityToken),
    }
}

/// The context's tracing, as the guest reads it.
pub(crate) fn tracing(ctx: &fc::Context) -> Tracing {
    Tracing {
        span_context: ctx.text(Text::SpanContext),
        span_baggages: ctx.span_baggages(),
        jaeger_endpoint: ctx.text(Text::JaegerEndpoint),
    }
}

/// Every field of the context at once, with the instance's id.
pub(crate) fn fields(ctx: &fc::Context, instance_id: &str) -> Fields {
    Fields {
        request_id: ctx.request_id().to_owned(),
        credentials: credentials(ctx),
        function_name: ctx.text(Text::FunctionName),
        function_handler: ctx.text(Text::FunctionHandler),
        memory_mb: ctx.number(Number::MemoryMb),
        timeout_s: ctx.number(Number::TimeoutS),
        initializer: ctx.text(Text::Initializer),
        initialization_timeout_s: ctx.number(Number::InitializationTimeoutS),
        service_name: ctx.text(Text::ServiceName),
        log_project: ctx.text(Text::LogProject),
        log_store: ctx.text(Text::LogStore),
        qualifier: ctx.text(Text::Qualifier),
        version_id: ctx.text(Text::VersionId),
        region: ctx.text(Text::Region),
        account_id: ctx.text(Text::AccountId),
        retry_count: ctx.number(Number::RetryCount),
        instance_id: instance_id.to_string(),
        tracing: tracing(ctx),
    }
}

/// The `fc:runtime/http-handler` request of a request line, header block and body.
pub(crate) fn http_request(
    line: fc::http::RequestLine,
    headers: Vec<u8>,
    body: Vec<u8>,
) -> http_handler::Request {
    http_handler::Request {
        method: line.method,
        target: line.target,
        headers,
        body,
        client_ip: line.client_ip,
        base_path: line.base_path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_without_a_type_is_a_handler_error() {
        let error = HostError::from(GuestError {
            message: "bad input".into(),
            error_type: None,
            stack_trace: None,
        });
        assert_eq!(error.error_type(), "HandlerError");
        assert_eq!(error.to_string(), "bad input");
        let empty = HostError::from(GuestError {
            message: String::new(),
            error_type: Some(String::new()),
            stack_trace: Some(vec!["f".into()]),
        });
        assert_eq!(empty.error_type(), "HandlerError");
    }

    #[test]
    fn every_field_crosses() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-fc-function-memory", "512".parse().unwrap());
        headers.insert("x-fc-qualifier", "LATEST".parse().unwrap());
        headers.insert(
            "x-fc-tracing-jaeger-endpoint",
            "http://jaeger".parse().unwrap(),
        );
        let ctx = fc::Context::from_headers(headers);
        let fields = fields(&ctx, "c-1");
        assert_eq!(fields.request_id, ctx.request_id());
        assert_eq!(fields.memory_mb, 512);
        assert_eq!(fields.qualifier, "LATEST");
        assert_eq!(fields.instance_id, "c-1");
        assert_eq!(fields.tracing.jaeger_endpoint, "http://jaeger");
    }
}
