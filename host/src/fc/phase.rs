//! Which platform call a request is (fc-protocol.md §2): one name for the marker
//! lines, the timeout error and the hook, chosen by `x-fc-control-path`, then the path.

use http::HeaderMap;

use super::headers;
use super::limits::RequestError;

/// The calls the platform makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// `POST /invoke`: an event for the event handler.
    Invoke,
    /// An HTTP-trigger request for the HTTP handler (`/http-invoke`).
    HttpInvoke,
    /// `POST /initialize`: run the initializer, once per instance.
    Initialize,
    /// `GET /pre-freeze`: the instance is about to be frozen (FC 2.0 only).
    PreFreeze,
    /// `GET /pre-stop`: the instance is about to be stopped.
    PreStop,
}

impl Phase {
    /// Classifies a request. The control path wins when present (and not empty);
    /// without it the request path decides, and any other path is an HTTP call.
    pub fn classify(headers: &HeaderMap, path: &str) -> Result<Phase, RequestError> {
        match headers
            .get(&headers::name::CONTROL_PATH)
            .map(|v| v.as_bytes())
        {
            Some(control) if !control.is_empty() => Self::from_control_path(control),
            _ => Ok(Self::from_request_path(path)),
        }
    }

    fn from_control_path(control: &[u8]) -> Result<Phase, RequestError> {
        match control {
            b"/invoke" => Ok(Phase::Invoke),
            b"/initialize" => Ok(Phase::Initialize),
            b"/http-invoke" => Ok(Phase::HttpInvoke),
            b"/pre-freeze" => Ok(Phase::PreFreeze),
            b"/pre-stop" => Ok(Phase::PreStop),
            other => Err(RequestError::UnknownControlPath(
                String::from_utf8_lossy(other).into_owned(),
            )),
        }
    }

    fn from_request_path(path: &str) -> Phase {
        match path {
            "/invoke" => Phase::Invoke,
            "/initialize" => Phase::Initialize,
            "/pre-freeze" => Phase::PreFreeze,
            "/pre-stop" => Phase::PreStop,
            _ => Phase::HttpInvoke,
        }
    }

    /// The word of the `FC <label> Start/End RequestId:` lines.
    pub fn marker_label(self) -> &'static str {
        match self {
            Phase::Invoke | Phase::HttpInvoke => "Invoke",
            Phase::Initialize => "Initialize",
            Phase::PreFreeze => "PreFreeze",
            Phase::PreStop => "PreStop",
        }
    }

    /// What timed out, in the timeout's message: `Function timed out after …`.
    pub fn subject(self) -> &'static str {
        match self {
            Phase::Invoke | Phase::HttpInvoke => "Function",
            Phase::Initialize => "Initializer",
            Phase::PreFreeze => "PreFreeze hook",
            Phase::PreStop => "PreStop hook",
        }
    }

    /// The `errorType` of a timeout of this call.
    pub fn timeout_error_type(self) -> &'static str {
        match self {
            Phase::Invoke | Phase::HttpInvoke => "FunctionTimeout",
            Phase::Initialize => "InitializationTimeout",
            Phase::PreFreeze | Phase::PreStop => "HookTimeout",
        }
    }

    /// The initializer and the hooks: their failures answer 404, never 5xx, since a
    /// 5xx makes FC restart the instance.
    pub fn is_lifecycle(self) -> bool {
        matches!(self, Phase::Initialize | Phase::PreFreeze | Phase::PreStop)
    }

    /// The hooks that run on every live instance.
    pub fn is_hook(self) -> bool {
        matches!(self, Phase::PreFreeze | Phase::PreStop)
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
        let cases = [
            ("/invoke", "/x", Phase::Invoke),
            ("/http-invoke", "/invoke", Phase::HttpInvoke),
            ("/initialize", "/", Phase::Initialize),
            ("/pre-stop", "/", Phase::PreStop),
            ("/pre-freeze", "/", Phase::PreFreeze),
        ];
        for (control, path, phase) in cases {
            assert_eq!(Phase::classify(&with_control(control), path), Ok(phase));
        }
    }

    #[test]
    fn path_decides_without_control_path() {
        let none = HeaderMap::new();
        assert_eq!(Phase::classify(&none, "/invoke"), Ok(Phase::Invoke));
        assert_eq!(Phase::classify(&none, "/initialize"), Ok(Phase::Initialize));
        assert_eq!(Phase::classify(&none, "/pre-freeze"), Ok(Phase::PreFreeze));
        assert_eq!(
            Phase::classify(&none, "/invoke/more"),
            Ok(Phase::HttpInvoke)
        );
        assert_eq!(Phase::classify(&none, "/"), Ok(Phase::HttpInvoke));
    }

    #[test]
    fn empty_control_path_is_absent() {
        assert_eq!(
            Phase::classify(&with_control(""), "/invoke"),
            Ok(Phase::Invoke)
        );
    }

    #[test]
    fn unknown_control_path_is_an_error() {
        let err = Phase::classify(&with_control("/nope"), "/invoke").unwrap_err();
        assert_eq!(err, RequestError::UnknownControlPath("/nope".into()));
        assert!(err.to_string().contains("`/nope`"));
    }

    #[test]
    fn names_of_each_phase() {
        assert_eq!(Phase::HttpInvoke.marker_label(), "Invoke");
        assert_eq!(
            Phase::Initialize.timeout_error_type(),
            "InitializationTimeout"
        );
        assert_eq!(Phase::PreStop.subject(), "PreStop hook");
        assert!(Phase::PreFreeze.is_hook() && !Phase::Initialize.is_hook());
        assert!(Phase::Initialize.is_lifecycle() && !Phase::Invoke.is_lifecycle());
    }
}
