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

/// Builds the context of one call from its request headers, in one pass over them
/// (no per-name hashing: this runs on every call). When a header repeats, its first
/// value counts. A request without `x-fc-request-id` (a local `curl`) gets a generated
/// id so its log lines can be told apart.
pub fn from_headers(headers: &HeaderMap) -> Context {
    let mut ctx = empty_context();
    let mut numbers = [None::<i32>; 4];
    for (name, value) in headers {
        let field = name.as_str();
        if !field.starts_with("x-fc-") {
            continue;
        }
        let value = value.as_bytes();
        if value.is_empty() {
            continue;
        }
        let (text_field, number_slot) = match field {
            h::REQUEST_ID => (Some(&mut ctx.request_id), None),
            h::ACCESS_KEY_ID => (Some(&mut ctx.credentials.access_key_id), None),
            h::ACCESS_KEY_SECRET => (Some(&mut ctx.credentials.access_key_secret), None),
            h::SECURITY_TOKEN => (Some(&mut ctx.credentials.security_token), None),
            h::FUNCTION_NAME => (Some(&mut ctx.function.name), None),
            h::FUNCTION_HANDLER => (Some(&mut ctx.function.handler), None),
            h::FUNCTION_INITIALIZER => (Some(&mut ctx.function.initializer), None),
            h::SERVICE_NAME => (Some(&mut ctx.service.name), None),
            h::SERVICE_LOG_PROJECT => (Some(&mut ctx.service.log_project), None),
            h::SERVICE_LOG_STORE => (Some(&mut ctx.service.log_store), None),
            h::QUALIFIER => (Some(&mut ctx.service.qualifier), None),
            h::VERSION_ID => (Some(&mut ctx.service.version_id), None),
            h::REGION => (Some(&mut ctx.region), None),
            h::ACCOUNT_ID => (Some(&mut ctx.account_id), None),
            h::FUNCTION_MEMORY => (None, Some(0)),
            h::FUNCTION_TIMEOUT => (None, Some(1)),
            h::INITIALIZATION_TIMEOUT => (None, Some(2)),
            h::RETRY_COUNT => (None, Some(3)),
            _ => (None, None),
        };
        if let Some(text) = text_field.filter(|text| text.is_empty()) {
            *text = decode(value);
        }
        if let Some(slot) = number_slot.filter(|&slot| numbers[slot].is_none()) {
            numbers[slot] =
                Some(parse_number(value).unwrap_or(if slot == 3 { 0 } else { UNKNOWN_NUMBER }));
        }
    }
    let [memory, timeout, initialization, retries] = numbers;
    ctx.function.memory_mb = memory.unwrap_or(UNKNOWN_NUMBER);
    ctx.function.timeout_s = timeout.unwrap_or(UNKNOWN_NUMBER);
    ctx.function.initialization_timeout_s = initialization.unwrap_or(UNKNOWN_NUMBER);
    ctx.retry_count = retries.unwrap_or(0);
    if ctx.request_id.is_empty() {
        ctx.request_id = generate_request_id();
    }
    ctx
}

/// A context with every string empty and every number at its default.
fn empty_context() -> Context {
    Context {
        request_id: String::new(),
        credentials: Credentials {
            access_key_id: String::new(),
            access_key_secret: String::new(),
            security_token: String::new(),
        },
        function: FunctionMeta {
            name: String::new(),
            handler: String::new(),
            memory_mb: UNKNOWN_NUMBER,
            timeout_s: UNKNOWN_NUMBER,
            initializer: String::new(),
            initialization_timeout_s: UNKNOWN_NUMBER,
        },
        service: ServiceMeta {
            name: String::new(),
            log_project: String::new(),
            log_store: String::new(),
            qualifier: String::new(),
            version_id: String::new(),
        },
        region: String::new(),
        account_id: String::new(),
        retry_count: 0,
    }
}

/// A header value as text. Values that are not UTF-8 are decoded lossily: the platform
/// only sends ASCII, and a guest gets a string either way.
fn decode(value: &[u8]) -> String {
    match std::str::from_utf8(value) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(value).into_owned(),
    }
}

/// Parses a decimal header value; surrounding whitespace is tolerated.
fn parse_number(value: &[u8]) -> Option<i32> {
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

/// A request id for calls that arrive without one
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
