//! Host bindings generated from `wit/` (the `handler` world), private to the crate, and
//! the conversions between them and the protocol's own types: the one place the
//! protocol meets the generated code.

mod generated {
    wasmtime::component::bindgen!({
        world: "handler",
        path: "../wit",
        exports: { default: async },
    });
}

pub(crate) use generated::Handler;
pub(crate) use generated::exports::fc::runtime::{event_handler, http_handler, lifecycle};
pub(crate) use generated::fc::runtime::log::Level;
pub(crate) use generated::fc::runtime::types::{Context, Error as GuestError};
pub(crate) use generated::fc::runtime::{log, types};
pub(crate) use wasmtime_wasi_http::p2::bindings::exports::wasi::http::incoming_handler;

use generated::fc::runtime::types::{Credentials, FunctionMeta, ServiceMeta};

use crate::error::HostError;
use crate::fc;
use crate::fc::response::{MAX_ERROR_MESSAGE, MAX_STACK_FRAME, cut, cut_frames};

impl From<&fc::Context> for Context {
    fn from(ctx: &fc::Context) -> Self {
        Context {
            request_id: ctx.request_id.clone(),
            credentials: Credentials {
                access_key_id: ctx.credentials.access_key_id.clone(),
                access_key_secret: ctx.credentials.access_key_secret.clone(),
                security_token: ctx.credentials.security_token.clone(),
            },
            function: FunctionMeta {
                name: ctx.function.name.clone(),
                handler: ctx.function.handler.clone(),
                memory_mb: ctx.function.memory_mb,
                timeout_s: ctx.function.timeout_s,
                initializer: ctx.function.initializer.clone(),
                initialization_timeout_s: ctx.function.initialization_timeout_s,
            },
            service: ServiceMeta {
                name: ctx.service.name.clone(),
                log_project: ctx.service.log_project.clone(),
                log_store: ctx.service.log_store.clone(),
                qualifier: ctx.service.qualifier.clone(),
                version_id: ctx.service.version_id.clone(),
            },
            region: ctx.region.clone(),
            account_id: ctx.account_id.clone(),
            retry_count: ctx.retry_count,
        }
    }
}

impl From<GuestError> for HostError {
    fn from(error: GuestError) -> Self {
        let error_type = if error.error_type.is_empty() {
            "HandlerError".to_string()
        } else {
            error.error_type
        };
        HostError::Handler {
            error_type: cut(error_type, MAX_STACK_FRAME),
            message: cut(error.message, MAX_ERROR_MESSAGE),
            stack_trace: cut_frames(error.stack_trace),
        }
    }
}

/// The `fc:runtime/http-handler` request record of a request line, headers and body.
pub(crate) fn http_request(
    line: fc::http::RequestLine,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> http_handler::Request {
    http_handler::Request {
        method: line.method,
        path: line.path,
        query: line.query,
        queries: line.queries,
        headers,
        body,
        client_ip: line.client_ip,
        url: line.url,
        base_path: line.base_path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_guest_error_type_is_handler_error() {
        let error = HostError::from(GuestError {
            error_type: String::new(),
            message: "bad input".into(),
            stack_trace: vec![],
        });
        assert_eq!(error.error_type(), "HandlerError");
        assert_eq!(error.to_string(), "bad input");
    }

    #[test]
    fn the_context_crosses_field_by_field() {
        let mut ctx = fc::Context::local();
        ctx.function.memory_mb = 512;
        ctx.service.qualifier = "LATEST".into();
        let wit = Context::from(&ctx);
        assert_eq!(wit.request_id, ctx.request_id);
        assert_eq!(wit.function.memory_mb, 512);
        assert_eq!(wit.service.qualifier, "LATEST");
    }
}
