//! Which call a request is: dispatch on `x-fc-control-path`, then on the path.

use http::HeaderMap;

use super::headers;

/// The kinds of call the platform makes (fc-protocol.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// `POST /invoke`: an event for the event handler.
    Invoke,
    /// `POST /initialize`: run the initializer once per instance.
    Initialize,
    /// `GET /pre-freeze`: the instance is about to be frozen.
    PreFreeze,
    /// `GET /pre-stop`: the instance is about to be stopped.
    PreStop,
    /// An HTTP-trigger request for the HTTP handler.
    Http,
}

/// Why a request could not be classified.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown x-fc-control-path `{0}`: expected /invoke, /initialize, /http-invoke, /pre-freeze or /pre-stop"
)]
pub struct UnknownControlPath(pub String);

/// Classifies a request. The control path wins when present (and not empty); without
/// it, the request path decides and anything unknown is an HTTP-function request.
pub fn classify(headers: &HeaderMap, path: &str) -> Result<CallKind, UnknownControlPath> {
    match headers.get(headers::CONTROL_PATH).map(|v| v.as_bytes()) {
        Some(control) if !control.is_empty() => from_control_path(control),
        _ => Ok(from_request_path(path)),
    }
}

fn from_control_path(control: &[u8]) -> Result<CallKind, UnknownControlPath> {
    match control {
        b"/invoke" => Ok(CallKind::Invoke),
        b"/initialize" => Ok(CallKind::Initialize),
        b"/http-invoke" => Ok(CallKind::Http),
        b"/pre-freeze" => Ok(CallKind::PreFreeze),
        b"/pre-stop" => Ok(CallKind::PreStop),
        other => Err(UnknownControlPath(
            String::from_utf8_lossy(other).into_owned(),
        )),
    }
}

fn from_request_path(path: &str) -> CallKind {
    match path {
        "/invoke" => CallKind::Invoke,
        "/initialize" => CallKind::Initialize,
        "/pre-freeze" => CallKind::PreFreeze,
        "/pre-stop" => CallKind::PreStop,
        _ => CallKind::Http,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_control(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(headers::CONTROL_PATH, value.parse().unwrap());
        headers
    }

    #[test]
    fn control_path_wins_over_path() {
        assert_eq!(
            classify(&with_control("/invoke"), "/x"),
            Ok(CallKind::Invoke)
        );
        assert_eq!(
            classify(&with_control("/http-invoke"), "/invoke"),
            Ok(CallKind::Http)
        );
        assert_eq!(
            classify(&with_control("/initialize"), "/"),
            Ok(CallKind::Initialize)
        );
        assert_eq!(
            classify(&with_control("/pre-stop"), "/"),
            Ok(CallKind::PreStop)
        );
        assert_eq!(
            classify(&with_control("/pre-freeze"), "/"),
            Ok(CallKind::PreFreeze)
        );
    }

    #[test]
    fn path_decides_without_control_path() {
        let none = HeaderMap::new();
        assert_eq!(classify(&none, "/invoke"), Ok(CallKind::Invoke));
        assert_eq!(classify(&none, "/initialize"), Ok(CallKind::Initialize));
        assert_eq!(classify(&none, "/pre-freeze"), Ok(CallKind::PreFreeze));
        assert_eq!(classify(&none, "/invoke/more"), Ok(CallKind::Http));
        assert_eq!(classify(&none, "/"), Ok(CallKind::Http));
    }

    #[test]
    fn empty_control_path_is_absent() {
        assert_eq!(classify(&with_control(""), "/invoke"), Ok(CallKind::Invoke));
    }

    #[test]
    fn unknown_control_path_is_an_error() {
        let err = classify(&with_control("/nope"), "/invoke").unwrap_err();
        assert_eq!(err, UnknownControlPath("/nope".into()));
        assert!(err.to_string().contains("`/nope`"));
    }
}
