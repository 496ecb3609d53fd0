//! FC's request and response limits (fc-protocol.md §5). Units are binary: 8 KB is
//! 8192 bytes. The checks are pure and typed: a request breach is a [`RequestError`]
//! (400 `InvalidArgument`), a response breach a [`BadResponse`] (502).

use http::{HeaderMap, Uri};

use super::http::BadResponse;

/// FC: all request header names and values together, 8 KB.
pub(crate) const DEFAULT_MAX_HEADER_BYTES: usize = 8 * 1024;
/// FC: the request target (path, `?` and query), 4 KB.
pub(crate) const DEFAULT_MAX_PATH_BYTES: usize = 4 * 1024;
/// FC: the body of a synchronous call, 32 MB.
pub(crate) const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// FC: the body of an asynchronous call (`x-fc-invocation-type: Async`), 128 KB.
pub(crate) const DEFAULT_MAX_ASYNC_BODY_BYTES: usize = 128 * 1024;
/// The largest response body, as large as the largest request body: 32 MB.
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

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

/// Why a request is refused (400 `InvalidArgument`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The header names and values together are over the limit.
    #[error("request headers are {size} bytes, over the limit of {limit} bytes")]
    HeadersTooLarge {
        /// Their total size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The path and query are over the limit.
    #[error("request path and query are {size} bytes, over the limit of {limit} bytes")]
    TargetTooLarge {
        /// Their size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The body is (or announces that it is) over the limit.
    #[error("request body is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The body did not arrive within the call's time limit.
    #[error("the request body did not arrive within {} seconds", limit.as_secs_f64())]
    BodyTimedOut {
        /// The time it had.
        limit: std::time::Duration,
    },
    /// The body could not be read to its end (the client went away or sent garbage).
    #[error("cannot read the request body: {0}")]
    UnreadableBody(String),
    /// The request head could not be parsed, or is larger than any the limits allow.
    #[error("the request head is malformed or larger than {limit} bytes")]
    MalformedHead {
        /// The largest head the server reads.
        limit: usize,
    },
    /// `x-fc-control-path` names no call the platform makes.
    #[error(
        "unknown x-fc-control-path `{0}`: expected /invoke, /initialize, /http-invoke, /pre-freeze or /pre-stop"
    )]
    UnknownControlPath(String),
}

/// The total size of all header names and values, as received.
pub(crate) fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum()
}

/// The size of the request target: path, `?` and query (and the authority of an
/// absolute-form target).
pub(crate) fn target_bytes(uri: &Uri) -> usize {
    let path = uri
        .path_and_query()
        .map_or(1, |target| target.as_str().len());
    let authority = uri.authority().map_or(0, |a| a.as_str().len());
    path + authority
}

impl Limits {
    /// Checks the request head against the header and path limits.
    pub fn check_request(&self, uri: &Uri, headers: &HeaderMap) -> Result<(), RequestError> {
        let size = header_bytes(headers);
        if size > self.max_header_bytes {
            return Err(RequestError::HeadersTooLarge {
                size,
                limit: self.max_header_bytes,
            });
        }
        let size = target_bytes(uri);
        if size > self.max_path_bytes {
            return Err(RequestError::TargetTooLarge {
                size,
                limit: self.max_path_bytes,
            });
        }
        Ok(())
    }

    /// The body limit of a call: FC allows less for asynchronous invocations.
    pub fn body_limit(&self, headers: &HeaderMap) -> usize {
        if super::headers::header_is(headers, &super::headers::name::INVOCATION_TYPE, "async") {
            self.max_async_body_bytes
        } else {
            self.max_body_bytes
        }
    }

    /// Checks the size of a complete response body.
    pub fn check_response_body(&self, size: usize) -> Result<(), BadResponse> {
        if size > self.max_response_bytes {
            return Err(BadResponse::BodyTooLarge {
                size,
                limit: self.max_response_bytes,
            });
        }
        Ok(())
    }
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
        assert!(
            limits
                .check_response_body(DEFAULT_MAX_RESPONSE_BYTES)
                .is_ok()
        );
        assert!(
            limits
                .check_response_body(DEFAULT_MAX_RESPONSE_BYTES + 1)
                .is_err()
        );
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
        assert!(limits.check_request(&uri, &headers_of_size(8192)).is_ok());
        let err = limits
            .check_request(&uri, &headers_of_size(8193))
            .unwrap_err();
        assert_eq!(
            err,
            RequestError::HeadersTooLarge {
                size: 8193,
                limit: 8192
            }
        );
    }

    #[test]
    fn path_limit_counts_path_and_query() {
        let limits = Limits::default();
        let at_limit: Uri = format!("/{}?q={}", "a".repeat(2000), "b".repeat(4096 - 2004))
            .parse()
            .unwrap();
        assert_eq!(target_bytes(&at_limit), 4096);
        assert!(limits.check_request(&at_limit, &HeaderMap::new()).is_ok());
        let over: Uri = format!("/{}", "a".repeat(4096)).parse().unwrap();
        assert!(limits.check_request(&over, &HeaderMap::new()).is_err());
    }

    #[test]
    fn an_absolute_target_counts_its_authority() {
        let limits = Limits::default();
        let target: Uri = format!("http://{}.example/", "a".repeat(5000))
            .parse()
            .unwrap();
        assert!(matches!(
            limits.check_request(&target, &HeaderMap::new()),
            Err(RequestError::TargetTooLarge { .. })
        ));
    }
}
