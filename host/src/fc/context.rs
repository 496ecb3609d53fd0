//! The call's context, read from the platform's `x-fc-*` request headers: a plain
//! struct of the protocol, converted to the guest's types only at the wasm boundary.
//!
//! Header names are matched case-insensitively (the `http` crate stores them in lower
//! case), an empty header counts as absent, the first of repeated headers wins, and a
//! missing or malformed number takes the default of FC's Go runtime framework: `-1`, or
//! `0` for the retry count. Nothing here can fail a request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};

use super::headers as h;

/// Value of numeric fields the platform did not send (or sent malformed).
pub(crate) const UNKNOWN_NUMBER: i32 = -1;

/// What the platform says about one call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// The invocation id (`x-fc-request-id`, else generated).
    pub request_id: String,
    /// Temporary credentials of the function's role.
    pub credentials: Credentials,
    /// The function being called.
    pub function: FunctionMeta,
    /// The service the function belongs to (FC 2.0).
    pub service: ServiceMeta,
    /// The region, e.g. `cn-shanghai`.
    pub region: String,
    /// The account id of the function's owner.
    pub account_id: String,
    /// Retries of an asynchronous invocation; 0 for the first attempt.
    pub retry_count: i32,
    /// FC's tracing of the call.
    pub tracing: Tracing,
}

/// FC's tracing of a call (`x-fc-tracing-*`); empty when tracing is off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tracing {
    /// `x-fc-tracing-opentracing-span-context`.
    pub span_context: String,
    /// `x-fc-tracing-opentracing-span-baggages`, decoded from base64 (a JSON object as
    /// text); empty when not sent or not base64.
    pub span_baggages: String,
    /// `x-fc-tracing-jaeger-endpoint`.
    pub jaeger_endpoint: String,
}

/// Temporary credentials of the function's role; empty when it has none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Credentials {
    /// `x-fc-access-key-id`.
    pub access_key_id: String,
    /// `x-fc-access-key-secret`.
    pub access_key_secret: String,
    /// `x-fc-security-token`.
    pub security_token: String,
}

/// The function being called.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionMeta {
    /// `x-fc-function-name`.
    pub name: String,
    /// `x-fc-function-handler`: the configured handler string.
    pub handler: String,
    /// `x-fc-function-memory`, MB, or -1.
    pub memory_mb: i32,
    /// `x-fc-function-timeout`, seconds, or -1.
    pub timeout_s: i32,
    /// `x-fc-function-initializer`: the configured initializer string.
    pub initializer: String,
    /// `x-fc-initialization-timeout`, seconds, or -1.
    pub initialization_timeout_s: i32,
}

/// The service the function belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceMeta {
    /// `x-fc-service-name` (empty on FC 3.0).
    pub name: String,
    /// `x-fc-service-logproject`.
    pub log_project: String,
    /// `x-fc-service-logstore`.
    pub log_store: String,
    /// `x-fc-qualifier`: the version or alias called.
    pub qualifier: String,
    /// `x-fc-version-id`.
    pub version_id: String,
}

impl Default for FunctionMeta {
    fn default() -> Self {
        FunctionMeta {
            name: String::new(),
            handler: String::new(),
            memory_mb: UNKNOWN_NUMBER,
            timeout_s: UNKNOWN_NUMBER,
            initializer: String::new(),
            initialization_timeout_s: UNKNOWN_NUMBER,
        }
    }
}

impl Context {
    /// The context of a call the host makes itself (a `pre-stop` at shutdown, after a
    /// swap): a generated request id, every other field empty or at its default.
    pub fn local() -> Self {
        Context {
            request_id: generate_request_id(),
            ..Context::empty()
        }
    }

    /// Every field empty or at its default, the request id too.
    fn empty() -> Self {
        Context {
            request_id: String::new(),
            credentials: Credentials::default(),
            function: FunctionMeta::default(),
            service: ServiceMeta::default(),
            region: String::new(),
            account_id: String::new(),
            retry_count: 0,
            tracing: Tracing::default(),
        }
    }

    /// Reads the context of one call from its request headers. A request without
    /// `x-fc-request-id` (a local `curl`) gets a generated id, so its log lines can be
    /// told apart.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut ctx = Context::empty();
        let mut numbers = Numbers::default();
        for (name, value) in headers {
            let name = name.as_str();
            if name.starts_with(h::PREFIX) && !value.is_empty() {
                ctx.read_field(name, value, &mut numbers);
            }
        }
        numbers.apply(&mut ctx);
        if ctx.request_id.is_empty() {
            ctx.request_id = generate_request_id();
        }
        ctx
    }

    /// Stores one header in its field, unless an earlier header already did.
    fn read_field(&mut self, name: &str, value: &HeaderValue, numbers: &mut Numbers) {
        let text = match name {
            h::REQUEST_ID => &mut self.request_id,
            h::ACCESS_KEY_ID => &mut self.credentials.access_key_id,
            h::ACCESS_KEY_SECRET => &mut self.credentials.access_key_secret,
            h::SECURITY_TOKEN => &mut self.credentials.security_token,
            h::FUNCTION_NAME => &mut self.function.name,
            h::FUNCTION_HANDLER => &mut self.function.handler,
            h::FUNCTION_INITIALIZER => &mut self.function.initializer,
            h::SERVICE_NAME => &mut self.service.name,
            h::SERVICE_LOG_PROJECT => &mut self.service.log_project,
            h::SERVICE_LOG_STORE => &mut self.service.log_store,
            h::QUALIFIER => &mut self.service.qualifier,
            h::VERSION_ID => &mut self.service.version_id,
            h::REGION => &mut self.region,
            h::ACCOUNT_ID => &mut self.account_id,
            h::TRACING_SPAN_CONTEXT => &mut self.tracing.span_context,
            h::TRACING_JAEGER_ENDPOINT => &mut self.tracing.jaeger_endpoint,
            h::TRACING_SPAN_BAGGAGES => {
                if self.tracing.span_baggages.is_empty() {
                    self.tracing.span_baggages = decode_base64_text(value.as_bytes());
                }
                return;
            }
            h::FUNCTION_MEMORY => return set_once(&mut numbers.memory, value),
            h::FUNCTION_TIMEOUT => return set_once(&mut numbers.timeout, value),
            h::INITIALIZATION_TIMEOUT => return set_once(&mut numbers.initialization, value),
            h::RETRY_COUNT => return set_once(&mut numbers.retries, value),
            _ => return,
        };
        if text.is_empty() {
            *text = decode(value.as_bytes());
        }
    }
}

/// The numeric headers seen so far: `Some(parsed)` once one arrived, `None` inside
/// when it was malformed.
#[derive(Default)]
struct Numbers {
    memory: Option<Option<i32>>,
    timeout: Option<Option<i32>>,
    initialization: Option<Option<i32>>,
    retries: Option<Option<i32>>,
}

impl Numbers {
    fn apply(self, ctx: &mut Context) {
        let or_unknown = |n: Option<Option<i32>>| n.flatten().unwrap_or(UNKNOWN_NUMBER);
        ctx.function.memory_mb = or_unknown(self.memory);
        ctx.function.timeout_s = or_unknown(self.timeout);
        ctx.function.initialization_timeout_s = or_unknown(self.initialization);
        ctx.retry_count = self.retries.flatten().unwrap_or(0);
    }
}

fn set_once(slot: &mut Option<Option<i32>>, value: &HeaderValue) {
    slot.get_or_insert_with(|| parse_number(value.as_bytes()));
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

    #[test]
    fn every_header_reaches_its_field() {
        let ctx = Context::from_headers(&headers(&[
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
        ]));
        assert_eq!(ctx.request_id, "req-1");
        assert_eq!(ctx.credentials.access_key_id, "STS.id");
        assert_eq!(ctx.credentials.access_key_secret, "secret");
        assert_eq!(ctx.credentials.security_token, "token");
        assert_eq!(ctx.function.name, "hello");
        assert_eq!(ctx.function.handler, "index.handler");
        assert_eq!(ctx.function.memory_mb, 512);
        assert_eq!(ctx.function.timeout_s, 60);
        assert_eq!(ctx.function.initializer, "index.init");
        assert_eq!(ctx.function.initialization_timeout_s, 30);
        assert_eq!(ctx.service.name, "svc");
        assert_eq!(ctx.service.log_project, "proj");
        assert_eq!(ctx.service.log_store, "store");
        assert_eq!(ctx.service.qualifier, "LATEST");
        assert_eq!(ctx.service.version_id, "1");
        assert_eq!(ctx.region, "cn-shanghai");
        assert_eq!(ctx.account_id, "1234567890123456");
        assert_eq!(ctx.retry_count, 2);
        assert_eq!(
            ctx.tracing.span_context,
            "124ed43254b54966:124ed43254b54966:0:1"
        );
        assert_eq!(ctx.tracing.span_baggages, r#"{"k":"v"}"#);
        assert_eq!(
            ctx.tracing.jaeger_endpoint,
            "http://tracing-analysis-dc-hz.aliyuncs.com"
        );
    }

    #[test]
    fn baggages_that_are_not_base64_are_empty() {
        let ctx = Context::from_headers(&headers(&[(
            "x-fc-tracing-opentracing-span-baggages",
            "not base64!",
        )]));
        assert_eq!(ctx.tracing.span_baggages, "");
    }

    #[test]
    fn names_are_case_insensitive() {
        let ctx = Context::from_headers(&headers(&[
            ("X-FC-REGION", "cn-hangzhou"),
            ("X-Fc-Request-Id", "a"),
        ]));
        assert_eq!(ctx.region, "cn-hangzhou");
        assert_eq!(ctx.request_id, "a");
    }

    #[test]
    fn the_first_of_repeated_headers_wins() {
        let ctx = Context::from_headers(&headers(&[
            ("x-fc-region", "first"),
            ("x-fc-region", "second"),
            ("x-fc-function-memory", "128"),
            ("x-fc-function-memory", "256"),
        ]));
        assert_eq!(ctx.region, "first");
        assert_eq!(ctx.function.memory_mb, 128);
    }

    #[test]
    fn absent_and_malformed_numbers_take_defaults() {
        let ctx = Context::from_headers(&headers(&[
            ("x-fc-function-memory", "lots"),
            ("x-fc-function-timeout", ""),
            ("x-fc-retry-count", "-"),
            ("x-fc-initialization-timeout", "99999999999"),
        ]));
        assert_eq!(ctx.function.memory_mb, -1);
        assert_eq!(ctx.function.timeout_s, -1);
        assert_eq!(ctx.function.initialization_timeout_s, -1);
        assert_eq!(ctx.retry_count, 0);
    }

    #[test]
    fn numbers_tolerate_whitespace() {
        let ctx = Context::from_headers(&headers(&[("x-fc-function-memory", " 128 ")]));
        assert_eq!(ctx.function.memory_mb, 128);
    }

    #[test]
    fn empty_headers_are_absent() {
        let ctx = Context::from_headers(&headers(&[
            ("x-fc-access-key-id", ""),
            ("x-fc-service-name", ""),
            ("x-fc-service-name", "later"),
        ]));
        assert_eq!(ctx.credentials.access_key_id, "");
        assert_eq!(ctx.service.name, "later");
    }

    #[test]
    fn missing_request_id_is_generated_and_unique() {
        let a = Context::from_headers(&HeaderMap::new()).request_id;
        let b = Context::from_headers(&headers(&[("x-fc-request-id", "")])).request_id;
        assert!(a.starts_with("local-"), "{a}");
        assert_ne!(a, b);
        assert!(Context::local().request_id.starts_with("local-"));
    }

    #[test]
    fn non_utf8_values_are_decoded_lossily() {
        let mut map = HeaderMap::new();
        map.insert(
            "x-fc-region",
            http::HeaderValue::from_bytes(b"cn-\xffx").unwrap(),
        );
        assert_eq!(Context::from_headers(&map).region, "cn-\u{fffd}x");
    }
}
