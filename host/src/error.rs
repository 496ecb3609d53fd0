//! `HostError`: every way a request can fail, and the FC response each one becomes.

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use wasmtime::WasmBacktrace;

use crate::bindings::GuestError;
use crate::fc::response::{FunctionErrorBody, PlatformErrorBody, function_error, platform_error};

/// A failed request. Function failures (the guest's fault) answer 404 with
/// `x-fc-status: 404`; request problems answer 4xx in the platform's error shape.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// The handler returned an error.
    #[error("{message}")]
    Handler {
        /// `errorType` of the body.
        error_type: String,
        /// `errorMessage` of the body.
        message: String,
        /// `stackTrace` of the body.
        stack_trace: Vec<String>,
    },
    /// The guest trapped (panic, `unreachable`, stack overflow, out-of-bounds access).
    #[error("{message}")]
    Trap {
        /// The trap, and the panic message when one was printed.
        message: String,
        /// The wasm backtrace, innermost frame first.
        frames: Vec<String>,
    },
    /// The call ran past its deadline and was stopped.
    #[error("{what} timed out after {} seconds", limit.as_secs_f64())]
    Timeout {
        /// What timed out: `Function`, `Initializer`, `PreFreeze hook`, `PreStop hook`.
        what: &'static str,
        /// The limit it ran past.
        limit: Duration,
    },
    /// The guest tried to grow its memory past the cap and then trapped.
    #[error(
        "out of memory: the function asked for {requested_mb} MB of linear memory, over its limit of {limit_mb} MB"
    )]
    OutOfMemory {
        /// The size the refused growth asked for, MB.
        requested_mb: usize,
        /// The cap, MB.
        limit_mb: usize,
    },
    /// Every instance stayed busy for the whole queue timeout.
    #[error("all {instances} instances stayed busy for {} seconds; try again, or raise --max-instances", waited.as_secs_f64())]
    Busy {
        /// The pool's maximum.
        instances: usize,
        /// How long the call waited.
        waited: Duration,
    },
    /// The module does not export what this call needs.
    #[error("the module does not export `{0}`")]
    MissingExport(&'static str),
    /// A new instance could not be created or initialized.
    #[error("cannot create an instance: {0}")]
    Instantiate(String),
    /// The request is malformed or over a limit (400 `InvalidArgument`).
    #[error("{0}")]
    InvalidArgument(String),
    /// The guest's response cannot be sent as it is (502 `BadResponse`).
    #[error("{0}")]
    BadResponse(String),
}

impl HostError {
    /// Builds the error for a failed wasm call from wasmtime's error: a trap keeps its
    /// code and backtrace; `panic`, when known, names the Rust panic behind it.
    pub(crate) fn from_trap(error: &wasmtime::Error, panic: Option<String>) -> Self {
        let trap = error.root_cause().to_string();
        let message = match panic {
            Some(panic) => format!("{panic} ({trap})"),
            None => trap,
        };
        let frames = error
            .downcast_ref::<WasmBacktrace>()
            .map(backtrace_frames)
            .unwrap_or_default();
        HostError::Trap { message, frames }
    }

    /// Whether the instance that produced this error must be discarded.
    pub fn poisons_instance(&self) -> bool {
        matches!(
            self,
            HostError::Trap { .. } | HostError::Timeout { .. } | HostError::OutOfMemory { .. }
        )
    }

    /// The `errorType` / `ErrorCode` this error reports.
    pub fn error_type(&self) -> &str {
        match self {
            HostError::Handler { error_type, .. } => error_type,
            HostError::Trap { .. } => "WasmTrap",
            HostError::Timeout {
                what: "Function", ..
            } => "FunctionTimeout",
            HostError::Timeout {
                what: "Initializer",
                ..
            } => "InitializationTimeout",
            HostError::Timeout { .. } => "HookTimeout",
            HostError::OutOfMemory { .. } => "OutOfMemory",
            HostError::Busy { .. } => "ServiceUnavailable",
            HostError::MissingExport(_) => "MissingExport",
            HostError::Instantiate(_) => "InstantiationError",
            HostError::InvalidArgument(_) => "InvalidArgument",
            HostError::BadResponse(_) => "BadResponse",
        }
    }

    /// The FC response for this error.
    pub fn to_response(&self) -> http::Response<Bytes> {
        let message = self.to_string();
        match self {
            HostError::InvalidArgument(_) => {
                self.platform_response(StatusCode::BAD_REQUEST, &message)
            }
            HostError::BadResponse(_) => self.platform_response(StatusCode::BAD_GATEWAY, &message),
            HostError::Busy { .. } => {
                self.platform_response(StatusCode::SERVICE_UNAVAILABLE, &message)
            }
            HostError::Handler {
                message,
                stack_trace,
                ..
            } => self.function_response(message, stack_trace),
            HostError::Trap { message, frames } => self.function_response(message, frames),
            _ => self.function_response(&message, &[]),
        }
    }

    /// The response to a lifecycle call (`/initialize`, hooks): always the 404
    /// function-failure shape, never 5xx, since a 5xx makes FC restart the instance.
    pub fn to_hook_response(&self) -> http::Response<Bytes> {
        match self {
            HostError::Handler {
                message,
                stack_trace,
                ..
            } => self.function_response(message, stack_trace),
            HostError::Trap { message, frames } => self.function_response(message, frames),
            _ => self.function_response(&self.to_string(), &[]),
        }
    }

    /// A platform-shaped error. Server errors also carry `x-fc-status: 404`, so an
    /// event invocation can never be mistaken for a success.
    fn platform_response(&self, status: StatusCode, message: &str) -> http::Response<Bytes> {
        let mut response = platform_error(
            status,
            &PlatformErrorBody {
                code: self.error_type(),
                message,
            },
        );
        if status.is_server_error() {
            response.headers_mut().insert(
                crate::fc::headers::STATUS,
                http::HeaderValue::from_static("404"),
            );
        }
        response
    }

    fn function_response(&self, message: &str, stack_trace: &[String]) -> http::Response<Bytes> {
        function_error(&FunctionErrorBody {
            error_message: message,
            error_type: self.error_type(),
            stack_trace,
        })
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
            error_type,
            message: error.message,
            stack_trace: error.stack_trace,
        }
    }
}

fn backtrace_frames(backtrace: &WasmBacktrace) -> Vec<String> {
    backtrace
        .frames()
        .iter()
        .map(|frame| {
            let module = frame.module().name().unwrap_or("<module>");
            match frame.func_name() {
                Some(name) => format!("{module}!{:#}", rustc_demangle::demangle(name)),
                None => format!("{module}!<wasm function {}>", frame.func_index()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(error: &HostError) -> serde_json::Value {
        serde_json::from_slice(error.to_response().body()).unwrap()
    }

    #[test]
    fn handler_error_defaults_its_type() {
        let error = HostError::from(GuestError {
            error_type: String::new(),
            message: "bad input".into(),
            stack_trace: vec![],
        });
        let response = error.to_response();
        assert_eq!(response.status(), 404);
        assert_eq!(response.headers()["x-fc-status"], "404");
        assert_eq!(
            body(&error),
            serde_json::json!({"errorMessage": "bad input", "errorType": "HandlerError"})
        );
    }

    #[test]
    fn handler_error_keeps_type_and_trace() {
        let error = HostError::from(GuestError {
            error_type: "ValidationError".into(),
            message: "m".into(),
            stack_trace: vec!["a".into()],
        });
        assert_eq!(
            body(&error),
            serde_json::json!({"errorMessage": "m", "errorType": "ValidationError", "stackTrace": ["a"]})
        );
    }

    #[test]
    fn invalid_argument_is_a_platform_error() {
        let response = HostError::InvalidArgument("path too long".into()).to_response();
        assert_eq!(response.status(), 400);
        assert!(response.headers().get("x-fc-status").is_none());
    }

    #[test]
    fn bad_response_is_a_502_platform_error() {
        let error = HostError::BadResponse("too many headers".into());
        let response = error.to_response();
        assert_eq!(response.status(), 502);
        assert_eq!(
            body(&error),
            serde_json::json!({"ErrorCode": "BadResponse", "ErrorMessage": "too many headers"})
        );
    }

    #[test]
    fn timeouts_say_what_and_the_limit() {
        let error = HostError::Timeout {
            what: "Function",
            limit: Duration::from_secs(3),
        };
        assert_eq!(
            body(&error),
            serde_json::json!({"errorMessage": "Function timed out after 3 seconds", "errorType": "FunctionTimeout"})
        );
        let init = HostError::Timeout {
            what: "Initializer",
            limit: Duration::from_millis(1500),
        };
        assert_eq!(init.error_type(), "InitializationTimeout");
        assert_eq!(init.to_string(), "Initializer timed out after 1.5 seconds");
    }

    #[test]
    fn busy_is_a_503_that_never_reads_as_success() {
        let error = HostError::Busy {
            instances: 2,
            waited: Duration::from_secs(1),
        };
        let response = error.to_response();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["x-fc-status"], "404");
        assert_eq!(body(&error)["ErrorCode"], "ServiceUnavailable");
        let hook = error.to_hook_response();
        assert_eq!(hook.status(), 404, "hooks never answer 5xx");
    }

    #[test]
    fn only_traps_timeouts_and_out_of_memory_poison() {
        assert!(
            HostError::Timeout {
                what: "Function",
                limit: Duration::from_secs(1)
            }
            .poisons_instance()
        );
        assert!(
            HostError::OutOfMemory {
                requested_mb: 2,
                limit_mb: 1
            }
            .poisons_instance()
        );
        assert!(!HostError::MissingExport("x").poisons_instance());
        assert!(!HostError::InvalidArgument("x".into()).poisons_instance());
    }
}
