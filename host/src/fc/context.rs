//! The guest's context, read from the platform's `x-fc-*` request headers.
//!
//! Header names are matched case-insensitively (the `http` crate stores them in lower
//! case), an empty header counts as absent, and a missing or malformed number takes the
//! default of FC's Go runtime framework: `-1`, or `0` for the retry count. Nothing here
//! can fail a request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;

use super::headers as h;
use crate::bindings::{Context, Credentials, FunctionMeta, ServiceMeta};

/// Value used for numeric fields the platform did not send (or sent malformed).
pub const UNKNOWN_NUMBER: i32 = -1;

/// Builds the context of one call from its request headers. A request without
/// `x-fc-request-id` (a local `curl`) gets a generated id so its log lines can be told
/// apart.
pub fn from_headers(headers: &HeaderMap) -> Context {
    let text = |name| text(headers, name);
    let count = |name| number(headers, name).unwrap_or(UNKNOWN_NUMBER);
    Context {
        request_id: non_empty(headers, h::REQUEST_ID).map_or_else(generate_request_id, str_owned),
        credentials: Credentials {
            access_key_id: text(h::ACCESS_KEY_ID),
            access_key_secret: text(h::ACCESS_KEY_SECRET),
            security_token: text(h::SECURITY_TOKEN),
        },
        function: FunctionMeta {
            name: text(h::FUNCTION_NAME),
            handler: text(h::FUNCTION_HANDLER),
            memory_mb: count(h::FUNCTION_MEMORY),
            timeout_s: count(h::FUNCTION_TIMEOUT),
            initializer: text(h::FUNCTION_INITIALIZER),
            initialization_timeout_s: count(h::INITIALIZATION_TIMEOUT),
        },
        service: ServiceMeta {
            name: text(h::SERVICE_NAME),
            log_project: text(h::SERVICE_LOG_PROJECT),
            log_store: text(h::SERVICE_LOG_STORE),
            qualifier: text(h::QUALIFIER),
            version_id: text(h::VERSION_ID),
        },
        region: text(h::REGION),
        account_id: text(h::ACCOUNT_ID),
        retry_count: number(headers, h::RETRY_COUNT).unwrap_or(0),
    }
}

/// The header's value when present and not empty. Values that are not UTF-8 are
/// decoded lossily: the platform only sends ASCII, and a guest gets a string either way.
fn non_empty<'a>(headers: &'a HeaderMap, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    let value = headers.get(name)?.as_bytes();
    (!value.is_empty()).then(|| String::from_utf8_lossy(value))
}

fn text(headers: &HeaderMap, name: &str) -> String {
    non_empty(headers, name).map(str_owned).unwrap_or_default()
}

fn str_owned(value: std::borrow::Cow<'_, str>) -> String {
    value.into_owned()
}

/// Parses a decimal header value; surrounding whitespace is tolerated.
fn number(headers: &HeaderMap, name: &str) -> Option<i32> {
    non_empty(headers, name)?.trim().parse().ok()
}

/// A request id for calls that arrive without one, shaped like FC's non-UUID ids:
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
        let ctx = from_headers(&headers(&[
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
    }

    #[test]
    fn names_are_case_insensitive() {
        let ctx = from_headers(&headers(&[
            ("X-FC-REGION", "cn-hangzhou"),
            ("X-Fc-Request-Id", "a"),
        ]));
        assert_eq!(ctx.region, "cn-hangzhou");
        assert_eq!(ctx.request_id, "a");
    }

    #[test]
    fn absent_and_malformed_numbers_take_defaults() {
        let ctx = from_headers(&headers(&[
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
        let ctx = from_headers(&headers(&[("x-fc-function-memory", " 128 ")]));
        assert_eq!(ctx.function.memory_mb, 128);
    }

    #[test]
    fn empty_headers_are_absent() {
        let ctx = from_headers(&headers(&[
            ("x-fc-access-key-id", ""),
            ("x-fc-service-name", ""),
        ]));
        assert_eq!(ctx.credentials.access_key_id, "");
        assert_eq!(ctx.service.name, "");
    }

    #[test]
    fn missing_request_id_is_generated_and_unique() {
        let a = from_headers(&HeaderMap::new()).request_id;
        let b = from_headers(&headers(&[("x-fc-request-id", "")])).request_id;
        assert!(a.starts_with("local-"), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn non_utf8_values_are_decoded_lossily() {
        let mut map = HeaderMap::new();
        map.insert(
            "x-fc-region",
            http::HeaderValue::from_bytes(b"cn-\xffx").unwrap(),
        );
        assert_eq!(from_headers(&map).region, "cn-\u{fffd}x");
    }
}
