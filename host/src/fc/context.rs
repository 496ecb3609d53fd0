//! The call's context: the platform's `x-fc-*` request headers, kept as the request's
//! own header map and read field by field when something asks (the guest, through the
//! context resource, or the call's policy). A call pays for the request id, which every
//! log line carries, and for the fields that are read; nothing is copied up front.
//!
//! Header names are matched case-insensitively (the `http` crate stores them in lower
//! case), an empty header counts as absent, the first of repeated headers wins, and a
//! missing or malformed number takes the default of FC's Go runtime framework: `-1`, or
//! `0` for the retry count. Nothing here can fail a request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue};

use super::headers as h;

/// Value of numeric fields the platform did not send (or sent malformed).
pub(crate) const UNKNOWN_NUMBER: i32 = -1;

/// What the platform says about one call.
#[derive(Clone, Debug)]
pub struct Context {
    /// The invocation id (`x-fc-request-id`, else generated).
    request_id: String,
    /// The request's headers, which the other fields are read from.
    headers: HeaderMap,
}

/// A text field of the context, by the header it is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    /// `x-fc-access-key-id`: the role's temporary credentials.
    AccessKeyId,
    /// `x-fc-access-key-secret`.
    AccessKeySecret,
    /// `x-fc-security-token`.
    SecurityToken,
    /// `x-fc-function-name`.
    FunctionName,
    /// `x-fc-function-handler`: the configured handler string.
    FunctionHandler,
    /// `x-fc-function-initializer`: the configured initializer string.
    Initializer,
    /// `x-fc-service-name` (FC 2.0; empty on FC 3.0).
    ServiceName,
    /// `x-fc-service-logproject`.
    LogProject,
    /// `x-fc-service-logstore`.
    LogStore,
    /// `x-fc-qualifier`: the version or alias called.
    Qualifier,
    /// `x-fc-version-id`.
    VersionId,
    /// `x-fc-region`, e.g. `cn-shanghai`.
    Region,
    /// `x-fc-account-id`: the function owner's account.
    AccountId,
    /// `x-fc-tracing-opentracing-span-context`.
    SpanContext,
    /// `x-fc-tracing-jaeger-endpoint`.
    JaegerEndpoint,
}

/// A numeric field of the context, by the header it is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Number {
    /// `x-fc-function-memory`, MB, or -1.
    MemoryMb,
    /// `x-fc-function-timeout`, seconds, or -1.
    TimeoutS,
    /// `x-fc-initialization-timeout`, seconds, or -1.
    InitializationTimeoutS,
    /// `x-fc-retry-count`: retries of an asynchronous invocation, 0 for the first attempt.
    RetryCount,
}

static REQUEST_ID: HeaderName = HeaderName::from_static(h::REQUEST_ID);
static SPAN_BAGGAGES: HeaderName = HeaderName::from_static(h::TRACING_SPAN_BAGGAGES);

impl Text {
    fn header(self) -> &'static HeaderName {
        // In the order of the variants.
        static NAMES: [HeaderName; 15] = [
            HeaderName::from_static(h::ACCESS_KEY_ID),
            HeaderName::from_static(h::ACCESS_KEY_SECRET),
            HeaderName::from_static(h::SECURITY_TOKEN),
            HeaderName::from_static(h::FUNCTION_NAME),
            HeaderName::from_static(h::FUNCTION_HANDLER),
            HeaderName::from_static(h::FUNCTION_INITIALIZER),
            HeaderName::from_static(h::SERVICE_NAME),
            HeaderName::from_static(h::SERVICE_LOG_PROJECT),
            HeaderName::from_static(h::SERVICE_LOG_STORE),
            HeaderName::from_static(h::QUALIFIER),
            HeaderName::from_static(h::VERSION_ID),
            HeaderName::from_static(h::REGION),
            HeaderName::from_static(h::ACCOUNT_ID),
            HeaderName::from_static(h::TRACING_SPAN_CONTEXT),
            HeaderName::from_static(h::TRACING_JAEGER_ENDPOINT),
        ];
        &NAMES[self as usize]
    }
}

impl Number {
    fn header(self) -> &'static HeaderName {
        // In the order of the variants.
        static NAMES: [HeaderName; 4] = [
            HeaderName::from_static(h::FUNCTION_MEMORY),
            HeaderName::from_static(h::FUNCTION_TIMEOUT),
            HeaderName::from_static(h::INITIALIZATION_TIMEOUT),
            HeaderName::from_static(h::RETRY_COUNT),
        ];
        &NAMES[self as usize]
    }

    /// What a missing or malformed header reads as.
    fn default(self) -> i32 {
        match self {
            Number::RetryCount => 0,
            _ => UNKNOWN_NUMBER,
        }
    }
}

impl Context {
    /// The context of a call the host makes itself (a `pre-stop` at shutdown, after a
    /// swap): a generated request id, every other field empty or at its default.
    pub fn local() -> Self {
        Context::from_headers(HeaderMap::new())
    }

    /// The context of one call, keeping its request headers. A request without
    /// `x-fc-request-id` (a local `curl`) gets a generated id, so its log lines can be
    /// told apart.
    pub fn from_headers(headers: HeaderMap) -> Self {
        let request_id = match first(&headers, &REQUEST_ID) {
            Some(value) => decode(value.as_bytes()),
            None => generate_request_id(),
        };
        Context {
            request_id,
            headers,
        }
    }

    /// A copy that keeps only the platform's headers, its request id followed by
    /// `suffix`: what a call's initializer (run by the host before the call, and
    /// replayed on new instances) is given, so it holds none of the client's headers.
    pub(crate) fn for_initializer(&self, suffix: &str) -> Self {
        let headers = self
            .headers
            .iter()
            .filter(|(name, _)| h::is_fc_header(name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        Context {
            request_id: format!("{}{suffix}", self.request_id),
            headers,
        }
    }

    /// The invocation id.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The request's headers (an HTTP function's request carries them to the guest).
    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A text field, empty when the platform did not send it.
    pub fn text(&self, field: Text) -> String {
        first(&self.headers, field.header()).map_or_else(String::new, |v| decode(v.as_bytes()))
    }

    /// A numeric field, or its default when missing or malformed.
    pub fn number(&self, field: Number) -> i32 {
        first(&self.headers, field.header())
            .and_then(|value| parse_number(value.as_bytes()))
            .unwrap_or_else(|| field.default())
    }

    /// `x-fc-tracing-opentracing-span-baggages`, decoded from base64 (a JSON object as
    /// text); empty when not sent or not base64.
    pub fn span_baggages(&self) -> String {
        first(&self.headers, &SPAN_BAGGAGES)
            .map(|value| decode_base64_text(value.as_bytes()))
            .unwrap_or_default()
    }
}

/// The first non-empty value of `name`.
fn first<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
    headers.get_all(name).iter().find(|value| !value.is_empty())
}

/// A header value as text. Values that are not UTF-8 are decoded lossily: the platform
/// only sends ASCII, and a guest gets a string either way.
fn decode(value: &[u8]) -> String {
    match std::str::from_utf8(value) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(value).into_owned(),
    }
}

/// A base64 header value decoded to text (empty when it is not base64 of UTF-8).
fn decode_base64_text(value: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

/// Parses a decimal header value; surrounding whitespace is tolerated.
fn parse_number(value: &[u8]) -> Option<i32> {
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

/// A request id for calls that arrive without one:
/// `local-<seconds since epoch, hex>-<sequence, hex>`.
fn generate_request_id() -> String {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let sequence = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!("local-{seconds:x}-{sequence:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    fn context(pairs: &[(&str, &str)]) -> Context {
        Context::from_headers(headers(pairs))
    }

    #[test]
    fn every_header_reaches_its_field() {
        let ctx = context(&[
            ("x-fc-request-id", "req-1"),
            ("x-fc-access-key-id", "STS.id"),
            ("x-fc-access-key-secret", "secret"),
            ("x-fc-security-token", "token"),
            ("x-fc-function-name", "hello"),
            ("x-fc-function-handler", "index.handler"),
            ("x-fc-function-memory", "512"),
            ("x-fc-function-timeout", "60"),
            ("x-fc-function-initializer", "index.init"),
            ("x-fc-initialization-timeout", "30"),
            ("x-fc-service-name", "svc"),
            ("x-fc-service-logproject", "proj"),
            ("x-fc-service-logstore", "store"),
            ("x-fc-qualifier", "LATEST"),
            ("x-fc-version-id", "1"),
            ("x-fc-region", "cn-shanghai"),
            ("x-fc-account-id", "1234567890123456"),
            ("x-fc-retry-count", "2"),
            (
                "x-fc-tracing-opentracing-span-context",
                "124ed43254b54966:124ed43254b54966:0:1",
            ),
            ("x-fc-tracing-opentracing-span-baggages", "eyJrIjoidiJ9"),
            (
                "x-fc-tracing-jaeger-endpoint",
                "http://tracing-analysis-dc-hz.aliyuncs.com",
            ),
        ]);
        assert_eq!(ctx.request_id(), "req-1");
        let texts = [
            (Text::AccessKeyId, "STS.id"),
            (Text::AccessKeySecret, "secret"),
            (Text::SecurityToken, "token"),
            (Text::FunctionName, "hello"),
            (Text::FunctionHandler, "index.handler"),
            (Text::Initializer, "index.init"),
            (Text::ServiceName, "svc"),
            (Text::LogProject, "proj"),
            (Text::LogStore, "store"),
            (Text::Qualifier, "LATEST"),
            (Text::VersionId, "1"),
            (Text::Region, "cn-shanghai"),
            (Text::AccountId, "1234567890123456"),
            (Text::SpanContext, "124ed43254b54966:124ed43254b54966:0:1"),
            (
                Text::JaegerEndpoint,
                "http://tracing-analysis-dc-hz.aliyuncs.com",
            ),
        ];
        for (field, expected) in texts {
            assert_eq!(ctx.text(field), expected, "{field:?}");
        }
        let numbers = [
            (Number::MemoryMb, 512),
            (Number::TimeoutS, 60),
            (Number::InitializationTimeoutS, 30),
            (Number::RetryCount, 2),
        ];
        for (field, expected) in numbers {
            assert_eq!(ctx.number(field), expected, "{field:?}");
        }
        assert_eq!(ctx.span_baggages(), r#"{"k":"v"}"#);
    }

    #[test]
    fn baggages_that_are_not_base64_are_empty() {
        let ctx = context(&[("x-fc-tracing-opentracing-span-baggages", "not base64!")]);
        assert_eq!(ctx.span_baggages(), "");
        assert_eq!(Context::local().span_baggages(), "");
    }

    #[test]
    fn names_are_case_insensitive() {
        let ctx = context(&[("X-FC-REGION", "cn-hangzhou"), ("X-Fc-Request-Id", "a")]);
        assert_eq!(ctx.text(Text::Region), "cn-hangzhou");
        assert_eq!(ctx.request_id(), "a");
    }

    #[test]
    fn the_first_of_repeated_headers_wins() {
        let ctx = context(&[
            ("x-fc-region", "first"),
            ("x-fc-region", "second"),
            ("x-fc-function-memory", "128"),
            ("x-fc-function-memory", "256"),
        ]);
        assert_eq!(ctx.text(Text::Region), "first");
        assert_eq!(ctx.number(Number::MemoryMb), 128);
    }

    #[test]
    fn absent_and_malformed_numbers_take_defaults() {
        let ctx = context(&[
            ("x-fc-function-memory", "lots"),
            ("x-fc-function-timeout", ""),
            ("x-fc-retry-count", "-"),
            ("x-fc-initialization-timeout", "99999999999"),
        ]);
        assert_eq!(ctx.number(Number::MemoryMb), -1);
        assert_eq!(ctx.number(Number::TimeoutS), -1);
        assert_eq!(ctx.number(Number::InitializationTimeoutS), -1);
        assert_eq!(ctx.number(Number::RetryCount), 0);
        assert_eq!(Context::local().number(Number::RetryCount), 0);
    }

    #[test]
    fn numbers_tolerate_whitespace() {
        let ctx = context(&[("x-fc-function-memory", " 128 ")]);
        assert_eq!(ctx.number(Number::MemoryMb), 128);
    }

    #[test]
    fn empty_headers_are_absent() {
        let ctx = context(&[
            ("x-fc-access-key-id", ""),
            ("x-fc-service-name", ""),
            ("x-fc-service-name", "later"),
        ]);
        assert_eq!(ctx.text(Text::AccessKeyId), "");
        assert_eq!(ctx.text(Text::ServiceName), "later");
    }

    #[test]
    fn missing_request_id_is_generated_and_unique() {
        let a = Context::from_headers(HeaderMap::new());
        let b = context(&[("x-fc-request-id", "")]);
        assert!(a.request_id().starts_with("local-"), "{}", a.request_id());
        assert_ne!(a.request_id(), b.request_id());
        assert!(Context::local().request_id().starts_with("local-"));
    }

    #[test]
    fn non_utf8_values_are_decoded_lossily() {
        let mut map = HeaderMap::new();
        map.insert("x-fc-region", HeaderValue::from_bytes(b"cn-\xffx").unwrap());
        assert_eq!(
            Context::from_headers(map).text(Text::Region),
            "cn-\u{fffd}x"
        );
    }

    #[test]
    fn an_initializer_s_copy_keeps_only_the_platform_s_headers() {
        let ctx = context(&[
            ("x-fc-request-id", "r"),
            ("x-fc-function-memory", "256"),
            ("cookie", "session=secret"),
            ("authorization", "Bearer t"),
        ]);
        let copy = ctx.for_initializer("-initialize");
        assert_eq!(copy.request_id(), "r-initialize");
        assert_eq!(copy.number(Number::MemoryMb), 256);
        assert!(copy.headers().get("cookie").is_none());
        assert!(copy.headers().get("authorization").is_none());
        assert_eq!(ctx.headers().len(), 4);
    }
}
