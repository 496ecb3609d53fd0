//! The error a handler returns: it becomes FC's error response
//! `{"errorMessage", "errorType", "stackTrace"}` with status 404.

use std::fmt;

use crate::bindings::wit;

/// A handler failure. Any `std::error::Error` converts into it, so `?` works on
/// everything; the error's type name becomes `errorType` and its causes the
/// `stackTrace`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    error_type: String,
    message: String,
    stack_trace: Vec<String>,
}

impl Error {
    /// An error with an explicit `errorType`, e.g. `Error::new("ValidationError", "…")`.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            error_type: error_type.into(),
            message: message.into(),
            stack_trace: Vec::new(),
        }
    }

    /// An error with just a message; its `errorType` is `HandlerError`.
    pub fn msg(message: impl fmt::Display) -> Self {
        Error::new("HandlerError", message.to_string())
    }

    /// Replaces the `stackTrace` frames (outermost first).
    pub fn with_stack_trace(mut self, frames: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.stack_trace = frames.into_iter().map(Into::into).collect();
        self
    }

    /// The `errorType`.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// The `errorMessage`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `stackTrace` frames.
    pub fn stack_trace(&self) -> &[String] {
        &self.stack_trace
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(error: E) -> Self {
        let mut causes = Vec::new();
        let mut source = error.source();
        while let Some(cause) = source {
            causes.push(format!("caused by: {cause}"));
            source = cause.source();
        }
        Error::new(
            short_type_name(std::any::type_name::<E>()),
            error.to_string(),
        )
        .with_stack_trace(causes)
    }
}

impl From<Error> for wit::Error {
    fn from(error: Error) -> Self {
        wit::Error {
            message: error.message,
            error_type: Some(error.error_type),
            stack_trace: Some(error.stack_trace).filter(|frames| !frames.is_empty()),
        }
    }
}

/// `core::num::error::ParseIntError` → `ParseIntError`; a bare `Error` keeps the module
/// that tells it apart: `std::io::error::Error` → `io::Error`.
fn short_type_name(full: &str) -> String {
    let path = full.split('<').next().unwrap_or(full);
    let mut segments = path.rsplit("::").filter(|s| *s != "error");
    let last = segments.next().unwrap_or(path);
    match (last, segments.next()) {
        ("Error", Some(module)) => format!("{module}::Error"),
        _ => last.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_errors_convert_with_type_and_message() {
        let error: Error = "x".parse::<i32>().unwrap_err().into();
        assert_eq!(error.error_type(), "ParseIntError");
        assert_eq!(error.message(), "invalid digit found in string");
    }

    #[test]
    fn question_mark_works() {
        fn parse(s: &str) -> Result<i32, Error> {
            Ok(s.parse::<i32>()?)
        }
        assert!(parse("nope").is_err());
    }

    #[test]
    fn bare_error_types_keep_their_module() {
        assert_eq!(short_type_name("std::io::error::Error"), "io::Error");
        assert_eq!(
            short_type_name("serde_json::error::Error"),
            "serde_json::Error"
        );
        assert_eq!(short_type_name("my::Thing<u8>"), "Thing");
    }

    #[test]
    fn causes_become_the_stack_trace() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("outer")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let error: Error = Outer(std::io::Error::other("inner")).into();
        assert_eq!(error.stack_trace(), ["caused by: inner"]);
    }

    #[test]
    fn msg_is_a_handler_error() {
        let error = Error::msg("bad");
        assert_eq!(error.to_string(), "HandlerError: bad");
        let wit: wit::Error = error.into();
        assert_eq!(wit.error_type.as_deref(), Some("HandlerError"));
        assert_eq!(wit.stack_trace, None);
    }
}
