//! The two response shapes of the protocol (fc-protocol.md §4, §5): a function failure
//! (`x-fc-status: 404`, `{"errorMessage", "errorType", "stackTrace"}`; status 404 for
//! event calls, 502 for HTTP functions) and a platform error (`{"ErrorCode",
//! "ErrorMessage"}` with `x-fc-error-type`).

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::headers;

/// The status (and `x-fc-status`) of a failed event call.
pub(crate) const FUNCTION_FAILURE: StatusCode = StatusCode::NOT_FOUND;
/// The status an HTTP-trigger client gets when the function fails.
pub(crate) const HTTP_FUNCTION_FAILURE: StatusCode = StatusCode::BAD_GATEWAY;
/// `x-fc-error-type` of a function failure seen by an HTTP-trigger client.
pub(crate) const UNHANDLED_ERROR: &str = "UnhandledInvocationError";

/// Longest `errorMessage` a function failure carries; the rest is cut (a guest's error
/// is no way around the response limit).
pub(crate) const MAX_ERROR_MESSAGE: usize = 16 * 1024;
/// Most `stackTrace` frames, and the longest frame, a failure carries.
pub(crate) const MAX_STACK_FRAMES: usize = 128;
/// The longest `stackTrace` frame.
pub(crate) const MAX_STACK_FRAME: usize = 1024;

/// `text` cut to at most `limit` bytes (on a character boundary), saying how much went.
pub(crate) fn cut(mut text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text.len() - end;
    text.truncate(end);
    text.push_str(&format!("… ({cut} bytes cut)"));
    text
}

/// A guest's stack trace within [`MAX_STACK_FRAMES`] frames of [`MAX_STACK_FRAME`].
pub(crate) fn cut_frames(mut frames: Vec<String>) -> Vec<String> {
    let extra = frames.len().saturating_sub(MAX_STACK_FRAMES);
    frames.truncate(MAX_STACK_FRAMES);
    let mut frames: Vec<String> = frames
        .into_iter()
        .map(|f| cut(f, MAX_STACK_FRAME))
        .collect();
    if extra > 0 {
        frames.push(format!("… ({extra} more frames)"));
    }
    frames
}

/// Body of a function failure, as FC's official runtimes write it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FunctionErrorBody<'a> {
    /// What went wrong, one line.
    pub error_message: &'a str,
    /// Class of the failure, e.g. `HandlerError`, `Trap`, `Timeout`.
    pub error_type: &'a str,
    /// Frames, outermost first; omitted when empty.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub stack_trace: &'a [String],
}

/// Body of an error the platform itself would answer (limits, bad requests).
#[derive(Debug, Serialize)]
pub(crate) struct PlatformErrorBody<'a> {
    /// Machine-readable code, e.g. `InvalidArgument`.
    #[serde(rename = "ErrorCode")]
    pub code: &'a str,
    /// Human-readable explanation.
    #[serde(rename = "ErrorMessage")]
    pub message: &'a str,
}

/// `x-fc-error-type` of errors the platform raises itself.
pub(crate) const COMMON_ERROR: &str = "FcCommonError";

/// A function-failure response: `x-fc-status: 404` and the JSON body, with status
/// 404 ([`FUNCTION_FAILURE`]) for event and lifecycle calls. An HTTP function's failure
/// ([`HTTP_FUNCTION_FAILURE`]) also says `x-fc-error-type: UnhandledInvocationError`,
/// as the platform answers an HTTP-trigger client.
pub(crate) fn function_error(
    status: StatusCode,
    body: &FunctionErrorBody<'_>,
) -> http::Response<Bytes> {
    let mut response = json_response(status, body);
    let map = response.headers_mut();
    map.insert(headers::STATUS, HeaderValue::from_static("404"));
    if status == HTTP_FUNCTION_FAILURE {
        map.insert(
            headers::ERROR_TYPE,
            HeaderValue::from_static(UNHANDLED_ERROR),
        );
    }
    response
}

/// A platform-error response with the given status.
pub(crate) fn platform_error(
    status: StatusCode,
    body: &PlatformErrorBody<'_>,
) -> http::Response<Bytes> {
    let mut response = json_response(status, body);
    response
        .headers_mut()
        .insert(headers::ERROR_TYPE, HeaderValue::from_static(COMMON_ERROR));
    response
}

fn json_response(status: StatusCode, body: &impl Serialize) -> http::Response<Bytes> {
    // Serializing these plain structs of strings cannot fail.
    let json = serde_json::to_vec(body).unwrap_or_default();
    let mut response = http::Response::new(Bytes::from(json));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(response: &http::Response<Bytes>) -> serde_json::Value {
        serde_json::from_slice(response.body()).unwrap()
    }

    #[test]
    fn function_error_has_fc_shape() {
        let frames = vec!["0: f".to_string()];
        let response = function_error(
            FUNCTION_FAILURE,
            &FunctionErrorBody {
                error_message: "boom",
                error_type: "HandlerError",
                stack_trace: &frames,
            },
        );
        assert_eq!(response.status(), 404);
        assert_eq!(response.headers()[headers::STATUS], "404");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(
            json(&response),
            serde_json::json!({"errorMessage": "boom", "errorType": "HandlerError", "stackTrace": ["0: f"]})
        );
    }

    #[test]
    fn empty_stack_trace_is_omitted() {
        let response = function_error(
            FUNCTION_FAILURE,
            &FunctionErrorBody {
                error_message: "m",
                error_type: "t",
                stack_trace: &[],
            },
        );
        assert_eq!(
            json(&response),
            serde_json::json!({"errorMessage": "m", "errorType": "t"})
        );
    }

    #[test]
    fn an_http_function_failure_is_a_502_unhandled_invocation_error() {
        let response = function_error(
            HTTP_FUNCTION_FAILURE,
            &FunctionErrorBody {
                error_message: "m",
                error_type: "t",
                stack_trace: &[],
            },
        );
        assert_eq!(response.status(), 502);
        assert_eq!(response.headers()[headers::STATUS], "404");
        assert_eq!(response.headers()[headers::ERROR_TYPE], UNHANDLED_ERROR);
    }

    #[test]
    fn long_messages_and_traces_are_cut() {
        assert_eq!(cut("short".into(), 10), "short");
        let long = cut("é".repeat(20_000), MAX_ERROR_MESSAGE);
        assert!(long.len() < MAX_ERROR_MESSAGE + 32, "{}", long.len());
        assert!(long.ends_with(" bytes cut)"));
        let frames = cut_frames(vec!["f".repeat(5000); 200]);
        assert_eq!(frames.len(), MAX_STACK_FRAMES + 1);
        assert!(frames[0].len() < MAX_STACK_FRAME + 32);
        assert_eq!(frames[MAX_STACK_FRAMES], "… (72 more frames)");
    }

    #[test]
    fn platform_error_has_fc_shape() {
        let response = platform_error(
            StatusCode::BAD_REQUEST,
            &PlatformErrorBody {
                code: "InvalidArgument",
                message: "too big",
            },
        );
        assert_eq!(response.status(), 400);
        assert_eq!(response.headers()[headers::ERROR_TYPE], COMMON_ERROR);
        assert!(response.headers().get(headers::STATUS).is_none());
        assert_eq!(
            json(&response),
            serde_json::json!({"ErrorCode": "InvalidArgument", "ErrorMessage": "too big"})
        );
    }
}
