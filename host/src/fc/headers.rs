//! Names of the `x-fc-*` headers the platform sends and reads (fc-protocol.md §3, §4),
//! public for the developer tool, which sends them as the platform would.

/// The prefix of every platform header.
pub const PREFIX: &str = "x-fc-";

/// Invocation id, also echoed to the client.
pub const REQUEST_ID: &str = "x-fc-request-id";
/// Which kind of call this is: `/invoke`, `/initialize`, `/http-invoke`, hooks.
pub const CONTROL_PATH: &str = "x-fc-control-path";
/// Temporary credentials of the service role.
pub const ACCESS_KEY_ID: &str = "x-fc-access-key-id";
/// Temporary credentials of the service role.
pub const ACCESS_KEY_SECRET: &str = "x-fc-access-key-secret";
/// Temporary credentials of the service role.
pub const SECURITY_TOKEN: &str = "x-fc-security-token";
/// Function name.
pub const FUNCTION_NAME: &str = "x-fc-function-name";
/// Configured handler string.
pub const FUNCTION_HANDLER: &str = "x-fc-function-handler";
/// Memory size in MB.
pub const FUNCTION_MEMORY: &str = "x-fc-function-memory";
/// Function timeout in seconds.
pub const FUNCTION_TIMEOUT: &str = "x-fc-function-timeout";
/// Configured initializer string.
pub const FUNCTION_INITIALIZER: &str = "x-fc-function-initializer";
/// Initializer timeout in seconds.
pub const INITIALIZATION_TIMEOUT: &str = "x-fc-initialization-timeout";
/// Service name (empty on FC 3.0).
pub const SERVICE_NAME: &str = "x-fc-service-name";
/// Log project of the service.
pub const SERVICE_LOG_PROJECT: &str = "x-fc-service-logproject";
/// Logstore of the service.
pub const SERVICE_LOG_STORE: &str = "x-fc-service-logstore";
/// Version or alias called.
pub const QUALIFIER: &str = "x-fc-qualifier";
/// Version id.
pub const VERSION_ID: &str = "x-fc-version-id";
/// Region.
pub const REGION: &str = "x-fc-region";
/// Account id.
pub const ACCOUNT_ID: &str = "x-fc-account-id";
/// FC's tracing: the span context.
pub const TRACING_SPAN_CONTEXT: &str = "x-fc-tracing-opentracing-span-context";
/// FC's tracing: the span's baggages, base64 of a JSON object.
pub const TRACING_SPAN_BAGGAGES: &str = "x-fc-tracing-opentracing-span-baggages";
/// FC's tracing: where to report spans.
pub const TRACING_JAEGER_ENDPOINT: &str = "x-fc-tracing-jaeger-endpoint";
/// Retries of an asynchronous invocation.
pub const RETRY_COUNT: &str = "x-fc-retry-count";
/// Success (`200`) or failure (`404`) of the call, set on responses.
pub const STATUS: &str = "x-fc-status";
/// Class of a platform error, set on the host's own error responses.
pub const ERROR_TYPE: &str = "x-fc-error-type";
/// `Sync` or `Async`: asynchronous calls have a lower body limit.
pub const INVOCATION_TYPE: &str = "x-fc-invocation-type";
/// `Tail` asks for the call's log in the response (`None`: no log).
pub const LOG_TYPE: &str = "x-fc-log-type";
/// The base64 tail of the call's log, on responses.
pub const LOG_RESULT: &str = "x-fc-log-result";
/// The FC base path (HTTP functions without a custom domain).
pub const BASE_PATH: &str = "x-fc-base-path";
/// The caller's IP as the platform saw it.
pub const CLIENT_IP: &str = "x-fc-client-ip";

/// The headers the host looks up or sets on every call, as parsed names: a lookup by
/// `&str` parses and validates the name each time (several hundred instructions).
pub(crate) mod name {
    use http::HeaderName;

    /// [`super::CONTROL_PATH`].
    pub(crate) static CONTROL_PATH: HeaderName = HeaderName::from_static(super::CONTROL_PATH);
    /// [`super::INVOCATION_TYPE`].
    pub(crate) static INVOCATION_TYPE: HeaderName = HeaderName::from_static(super::INVOCATION_TYPE);
    /// [`super::LOG_TYPE`].
    pub(crate) static LOG_TYPE: HeaderName = HeaderName::from_static(super::LOG_TYPE);
    /// [`super::STATUS`].
    pub(crate) static STATUS: HeaderName = HeaderName::from_static(super::STATUS);
}

/// Whether a header is one of the platform's own (`x-fc-*`, any letter case).
pub(crate) fn is_fc_header(name: &str) -> bool {
    name.len() >= PREFIX.len()
        && name.as_bytes()[..PREFIX.len()].eq_ignore_ascii_case(PREFIX.as_bytes())
}

/// Whether a header equals `value`, ignoring ASCII case.
pub(crate) fn header_is(headers: &http::HeaderMap, name: &http::HeaderName, value: &str) -> bool {
    headers
        .get(name)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(value.as_bytes()))
}
