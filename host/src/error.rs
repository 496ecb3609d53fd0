//! `HostError`: every way a call can fail, and the FC response each one becomes for
//! the kind of call that failed.

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use wasmtime::WasmBacktrace;

use crate::fc::Phase;
use crate::fc::http::BadResponse;
use crate::fc::limits::RequestError;
use crate::fc::response::{
    FUNCTION_FAILURE, FunctionErrorBody, HTTP_FUNCTION_FAILURE, MAX_ERROR_MESSAGE,
    PlatformErrorBody, cut, cut_frames, function_error, platform_error,
};

/// A failed call. Function failures (the guest's fault) answer with the FC function
/// error; request problems and overload answer in the platform's error shape.
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
    /// The guest called `exit` (Go's `os.Exit`, C's `exit`, Rust's
    /// `std::process::exit`) during the call: its instance is over, whatever the status.
    #[error(
        "Process exited unexpectedly before completing request (exit status {status}): \
         a handler returns its result; exit ends the whole instance, which is replaced"
    )]
    Exited {
        /// The status the guest exited with: 0 or 1, as WASI 0.2's `exit` carries only
        /// success or failure.
        status: i32,
    },
    /// The call ran past its deadline and was stopped.
    #[error("{} timed out after {} seconds", phase.subject(), limit.as_secs_f64())]
    Timeout {
        /// The call that timed out.
        phase: Phase,
        /// The limit it ran past.
        limit: Duration,
    },
    /// The guest tried to grow its memory past the function's memory (alone, or with
    /// the other instances) and then trapped.
    #[error(
        "out of memory: the function {} {requested_mb} MB of linear memory, over its limit of {limit_mb} MB",
        if *shared { "and its other instances together asked for" } else { "asked for" }
    )]
    OutOfMemory {
        /// The size the refused growth asked for, MB (with the other instances').
        requested_mb: usize,
        /// The function's memory, MB.
        limit_mb: usize,
        /// Whether the instances together crossed it (rather than this one alone).
        shared: bool,
    },
    /// Every instance stayed busy for the whole queue timeout.
    #[error("all {instances} instances stayed busy for {} seconds; try again, or raise --max-instances", waited.as_secs_f64())]
    Busy {
        /// The pool's maximum.
        instances: usize,
        /// How long the call waited.
        waited: Duration,
    },
    /// `bootstrap` is stopping and takes no new calls.
    #[error("bootstrap is shutting down")]
    ShuttingDown,
    /// The module does not export what this call needs.
    #[error("the module does not export `{0}`")]
    MissingExport(&'static str),
    /// A new instance could not be created.
    #[error("cannot create an instance: {0}")]
    Instantiate(String),
    /// The request is malformed or over a limit (400 `InvalidArgument`).
    #[error(transparent)]
    InvalidArgument(#[from] RequestError),
    /// The guest's response cannot be sent as it is (502 `BadResponse`).
    #[error(transparent)]
    BadResponse(#[from] BadResponse),
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
        HostError::Trap {
            message: cut(message, MAX_ERROR_MESSAGE),
            frames: cut_frames(frames),
        }
    }

    /// Whether the instance that produced this error must be discarded.
    pub fn poisons_instance(&self) -> bool {
        matches!(
            self,
            HostError::Trap { .. }
                | HostError::Exited { .. }
                | HostError::Timeout { .. }
                | HostError::OutOfMemory { .. }
        )
    }

    /// The `errorType` / `ErrorCode` this error reports.
    pub fn error_type(&self) -> &str {
        match self {
            HostError::Handler { error_type, .. } => error_type,
            HostError::Trap { .. } => "WasmTrap",
            HostError::Exited { .. } => "ProcessExited",
            HostError::Timeout { phase, .. } => phase.timeout_error_type(),
            HostError::OutOfMemory { .. } => "OutOfMemory",
            HostError::Busy { .. } | HostError::ShuttingDown => "ServiceUnavailable",
            HostError::MissingExport(_) => "MissingExport",
            HostError::Instantiate(_) => "InstantiationError",
            HostError::InvalidArgument(_) => "InvalidArgument",
            HostError::BadResponse(_) => "BadResponse",
        }
    }

    /// The FC response to a failed call of `phase`. Lifecycle calls (`/initialize`,
    /// hooks) always get the 404 function-failure shape, never 5xx, since a 5xx makes
    /// FC restart the instance; a failed HTTP function answers 502.
    pub fn to_response(&self, phase: Phase) -> http::Response<Bytes> {
        let platform = |status| self.platform_response(status);
        match self {
            _ if phase.is_lifecycle() => self.function_response(FUNCTION_FAILURE),
            HostError::InvalidArgument(_) => platform(StatusCode::BAD_REQUEST),
            HostError::BadResponse(_) => platform(StatusCode::BAD_GATEWAY),
            HostError::Busy { .. } | HostError::ShuttingDown => {
                platform(StatusCode::SERVICE_UNAVAILABLE)
            }
            _ if phase == Phase::HttpInvoke => self.function_response(HTTP_FUNCTION_FAILURE),
            _ => self.function_response(FUNCTION_FAILURE),
        }
    }

    /// A platform-shaped error. Server errors also carry `x-fc-status: 404`, so an
    /// event invocation can never be mistaken for a success.
    fn platform_response(&self, status: StatusCode) -> http::Response<Bytes> {
        let message = self.to_string();
        let mut response = platform_error(
            status,
            &PlatformErrorBody {
                code: self.error_type(),
                message: &message,
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

    fn function_response(&self, status: StatusCode) -> http::Response<Bytes> {
        let message = self.to_string();
        let stack_trace = match self {
            HostError::Handler { stack_trace, .. } => stack_trace.as_slice(),
            HostError::Trap { frames, .. } => frames.as_slice(),
            _ => &[],
        };
        function_error(
            status,
            &FunctionErrorBody {
                error_message: &message,
                error_type: self.error_type(),
                stack_trace,
            },
        )
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

    fn body(error: &HostError, phase: Phase) -> serde_json::Value {
        serde_json::from_slice(error.to_response(phase).body()).unwrap()
    }

    fn handler(error_type: &str, frames: &[&str]) -> HostError {
        HostError::Handler {
            error_type: error_type.into(),
            message: "bad input".into(),
            stack_trace: frames.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn a_handler_error_of_an_event_call_is_a_404_with_the_fc_body() {
        let response = handler("ValidationError", &["a"]).to_response(Phase::Invoke);
        assert_eq!(response.status(), 404);
        assert_eq!(response.headers()["x-fc-status"], "404");
        assert!(response.headers().get("x-fc-error-type").is_none());
        assert_eq!(
            body(&handler("ValidationError", &["a"]), Phase::Invoke),
            serde_json::json!({"errorMessage": "bad input", "errorType": "ValidationError", "stackTrace": ["a"]})
        );
    }

    #[test]
    fn a_failed_http_function_is_a_502_unhandled_invocation_error() {
        let trap = HostError::Trap {
            message: "unreachable".into(),
            frames: vec![],
        };
        let response = trap.to_response(Phase::HttpInvoke);
        assert_eq!(response.status(), 502);
        assert_eq!(response.headers()["x-fc-status"], "404");
        assert_eq!(
            response.headers()["x-fc-error-type"],
            "UnhandledInvocationError"
        );
        assert_eq!(body(&trap, Phase::HttpInvoke)["errorType"], "WasmTrap");
    }

    #[test]
    fn invalid_argument_is_a_platform_error() {
        let error = HostError::from(RequestError::BodyTooLarge { limit: 1 });
        let response = error.to_response(Phase::Invoke);
        assert_eq!(response.status(), 400);
        assert!(response.headers().get("x-fc-status").is_none());
        assert_eq!(
            body(&error, Phase::HttpInvoke)["ErrorCode"],
            "InvalidArgument"
        );
    }

    #[test]
    fn bad_response_is_a_502_platform_error() {
        let error = HostError::from(BadResponse::Status(1000));
        let response = error.to_response(Phase::HttpInvoke);
        assert_eq!(response.status(), 502);
        assert_eq!(
            body(&error, Phase::HttpInvoke),
            serde_json::json!({"ErrorCode": "BadResponse", "ErrorMessage": "the handler returned an invalid status code 1000"})
        );
    }

    #[test]
    fn timeouts_say_what_and_the_limit() {
        let error = HostError::Timeout {
            phase: Phase::Invoke,
            limit: Duration::from_secs(3),
        };
        assert_eq!(
            body(&error, Phase::Invoke),
            serde_json::json!({"errorMessage": "Function timed out after 3 seconds", "errorType": "FunctionTimeout"})
        );
        let init = HostError::Timeout {
            phase: Phase::Initialize,
            limit: Duration::from_millis(1500),
        };
        assert_eq!(init.error_type(), "InitializationTimeout");
        assert_eq!(init.to_string(), "Initializer timed out after 1.5 seconds");
    }

    #[test]
    fn busy_is_a_503_that_never_reads_as_success_and_never_reaches_a_hook() {
        let error = HostError::Busy {
            instances: 2,
            waited: Duration::from_secs(1),
        };
        let response = error.to_response(Phase::Invoke);
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["x-fc-status"], "404");
        assert_eq!(
            body(&error, Phase::Invoke)["ErrorCode"],
            "ServiceUnavailable"
        );
        for phase in [Phase::Initialize, Phase::PreFreeze, Phase::PreStop] {
            assert_eq!(
                error.to_response(phase).status(),
                404,
                "{phase:?} never answers 5xx"
            );
        }
    }

    #[test]
    fn only_traps_timeouts_and_out_of_memory_poison() {
        let timeout = HostError::Timeout {
            phase: Phase::Invoke,
            limit: Duration::from_secs(1),
        };
        assert!(timeout.poisons_instance());
        let oom = HostError::OutOfMemory {
            requested_mb: 2,
            limit_mb: 1,
            shared: true,
        };
        assert!(
            oom.to_string().contains("other instances together"),
            "{oom}"
        );
        assert!(oom.poisons_instance());
        assert!(!HostError::MissingExport("x").poisons_instance());
        assert!(!handler("x", &[]).poisons_instance());
    }
}
