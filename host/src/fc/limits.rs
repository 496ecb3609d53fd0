//! FC's request and response limits (fc-protocol.md §5). Units are binary: 8 KB is
//! 8192 bytes. The checks are pure; the router maps a breach to 400 `InvalidArgument`
//! (request) or 502 `BadResponse` (response).

use http::{HeaderMap, Uri};

/// FC: all request header names and values together, 8 KB.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 8 * 1024;
/// FC: the request target (path, `?` and query), 4 KB.
pub const DEFAULT_MAX_PATH_BYTES: usize = 4 * 1024;
/// FC: the body of a synchronous call, 32 MB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// FC: the body of an asynchronous call (`x-fc-invocation-type: Async`), 128 KB.
pub const DEFAULT_MAX_ASYNC_BODY_BYTES: usize = 128 * 1024;
/// The largest response body, as large as the largest request body: 32 MB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// The sizes a request must fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest total of request header names and values.
    pub max_header_bytes: usize,
    /// Largest request target (path plus `?` plus query).
    pub max_path_bytes: usize,
    /// Largest body of a synchronous call.
    pub max_body_bytes: usize,
    /// Largest body of an asynchronous call.
    pub max_async_body_bytes: usize,
    /// Largest response body.
    pub max_response_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_path_bytes: DEFAULT_MAX_PATH_BYTES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_async_body_bytes: DEFAULT_MAX_ASYNC_BODY_BYTES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

/// The total size of all header names and values, as received.
pub fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum()
}

/// The size of the request target: path, `?` and query.
pub fn target_bytes(uri: &Uri) -> usize {
    uri.path_and_query()
        .map_or(1, |target| target.as_str().len())
}

/// A limit the request breaks, as the message of the 400 answer.
pub fn check_request(limits: &Limits, uri: &Uri, headers: &HeaderMap) -> Result<(), String> {
    let headers = header_bytes(headers);
    if headers > limits.max_header_bytes {
        return Err(format!(
            "request headers are {headers} bytes, over the limit of {} bytes",
            limits.max_header_bytes
        ));
    }
    let target = target_bytes(uri);
    if target > limits.max_path_bytes {
        return Err(format!(
            "request path and query are {target} bytes, over the limit of {} bytes",
            limits.max_path_bytes
        ));
    }
    Ok(())
}

/// A response body over the limit, as the message of the 502 answer.
pub fn check_response_body(limits: &Limits, length: usize) -> Result<(), String> {
    if length > limits.max_response_bytes {
        return Err(format!(
            "response body is {length} bytes, over the limit of {} bytes",
            limits.max_response_bytes
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_of_size(total: usize) -> HeaderMap {
        let mut headers = HeaderMap::new();
        // "x-pad" is 5 bytes of name.
        headers.insert("x-pad", "a".repeat(total - 5).parse().unwrap());
        headers
    }

    #[test]
    fn response_body_limit_is_inclusive() {
        let limits = Limits::default();
        assert!(check_response_body(&limits, DEFAULT_MAX_RESPONSE_BYTES).is_ok());
        assert!(check_response_body(&limits, DEFAULT_MAX_RESPONSE_BYTES + 1).is_err());
    }

    #[test]
    fn header_bytes_count_names_and_values() {
        let mut headers = HeaderMap::new();
        headers.append("ab", "123".parse().unwrap());
        headers.append("ab", "4".parse().unwrap());
        assert_eq!(header_bytes(&headers), 2 + 3 + 2 + 1);
    }

    #[test]
    fn header_limit_is_inclusive() {
        let limits = Limits::default();
        let uri: Uri = "/".parse().unwrap();
        assert!(check_request(&limits, &uri, &headers_of_size(8192)).is_ok());
        let err = check_request(&limits, &uri, &headers_of_size(8193)).unwrap_err();
        assert!(err.contains("8193 bytes"), "{err}");
    }

    #[test]
    fn path_limit_counts_path_and_query() {
        let limits = Limits::default();
        let at_limit: Uri = format!("/{}?q={}", "a".repeat(2000), "b".repeat(4096 - 2004))
            .parse()
            .unwrap();
        assert_eq!(target_bytes(&at_limit), 4096);
        assert!(check_request(&limits, &at_limit, &HeaderMap::new()).is_ok());
        let over: Uri = format!("/{}", "a".repeat(4096)).parse().unwrap();
        assert!(check_request(&limits, &over, &HeaderMap::new()).is_err());
    }
}
