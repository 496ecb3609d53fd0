//! HTTP functions (fc-protocol.md §2, §5): what a guest sees of the client's request,
//! and which of its response headers reach the client.

use std::net::IpAddr;

use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use super::headers::{self, BASE_PATH, CLIENT_IP, is_fc_header};

/// Request headers a client may not pass to the function (the platform strips them).
const STRIPPED_REQUEST_HEADERS: [&str; 2] = ["connection", "keep-alive"];

/// Response headers the platform drops (besides `x-fc-*`). `transfer-encoding` is
/// hop-by-hop too: the host frames the body itself.
pub(crate) const DROPPED_RESPONSE_HEADERS: [&str; 7] = [
    "connection",
    "content-length",
    "date",
    "keep-alive",
    "server",
    "upgrade",
    "transfer-encoding",
];

/// Whether a request header is withheld from every guest.
pub(crate) fn is_stripped_request_header(name: &HeaderName) -> bool {
    STRIPPED_REQUEST_HEADERS.contains(&name.as_str())
}

/// Whether a response header the guest set is dropped. `x-fc-status` is kept: it is
/// how a function reports failure.
pub(crate) fn is_dropped_response_header(name: &str) -> bool {
    DROPPED_RESPONSE_HEADERS
        .iter()
        .any(|dropped| dropped.eq_ignore_ascii_case(name))
        || (is_fc_header(name) && !name.eq_ignore_ascii_case(headers::STATUS))
}

/// What the HTTP handler is told about a request besides its headers and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestLine {
    /// The method as sent.
    pub(crate) method: String,
    /// The path, and `?` and the query when there is one, still percent-encoded.
    pub(crate) target: String,
    /// `x-fc-client-ip`, else the peer's address.
    pub(crate) client_ip: String,
    /// `x-fc-base-path`, or empty.
    pub(crate) base_path: String,
}

impl RequestLine {
    /// Reads the request line of `parts` and the platform's HTTP headers in `headers`.
    pub(crate) fn new(parts: &Parts, headers: &HeaderMap, peer: Option<IpAddr>) -> Self {
        let header = |name: &str| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .filter(|v| !v.is_empty())
        };
        RequestLine {
            method: parts.method.as_str().to_string(),
            target: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_string(), |target| target.as_str().to_string()),
            client_ip: header(CLIENT_IP)
                .or_else(|| peer.map(|ip| ip.to_string()))
                .unwrap_or_default(),
            base_path: header(BASE_PATH).unwrap_or_default(),
        }
    }
}

/// The request headers an `fc:runtime/http-handler` guest sees, as one block of
/// `name: value\n` lines: in the order received, names in lower case, without `x-fc-*`
/// (those are the context) and hop-by-hop headers.
pub(crate) fn guest_header_block(headers: &HeaderMap) -> Vec<u8> {
    let mut block = Vec::with_capacity(super::limits::header_bytes(headers) + 3 * headers.len());
    for (name, value) in headers {
        if is_fc_header(name.as_str()) || is_stripped_request_header(name) {
            continue;
        }
        block.extend_from_slice(name.as_str().as_bytes());
        block.extend_from_slice(b": ");
        block.extend_from_slice(value.as_bytes());
        block.push(b'\n');
    }
    block
}

/// One header of a block: name and value, as the guest wrote them.
type HeaderLine<'a> = (&'a [u8], &'a [u8]);

/// The headers of a guest's `name: value\n` block (a line without a colon is
/// invalid).
fn parse_header_block(block: &[u8]) -> Result<Vec<HeaderLine<'_>>, BadResponse> {
    block
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let colon = line
                .iter()
                .position(|&b| b == b':')
                .ok_or_else(|| BadResponse::Header(String::from_utf8_lossy(line).into_owned()))?;
            let value = &line[colon + 1..];
            Ok((&line[..colon], value.strip_prefix(b" ").unwrap_or(value)))
        })
        .collect()
}

/// Why a guest's response cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadResponse {
    /// The status is not a valid HTTP status code.
    #[error("the handler returned an invalid status code {0}")]
    Status(u16),
    /// A header name or value is not valid HTTP.
    #[error("the handler returned an invalid header `{0}`")]
    Header(String),
    /// The headers together are over the limit.
    #[error("response headers are {size} bytes, over the limit of {limit} bytes")]
    HeadersTooLarge {
        /// The total of names and values.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The body is over the limit.
    #[error("response body is {size} bytes, over the limit of {limit} bytes")]
    BodyTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A `wasi:http` guest returned without setting a response.
    #[error("the handler returned without setting a response")]
    Missing,
}

/// Turns the guest's status and header block into the response's, dropping what the
/// platform drops. Returns the names it dropped (for a debug line).
pub(crate) fn response_head(
    status: u16,
    block: &[u8],
    max_header_bytes: usize,
) -> Result<(StatusCode, HeaderMap, Vec<String>), BadResponse> {
    let status = StatusCode::from_u16(status).map_err(|_| BadResponse::Status(status))?;
    let lines = parse_header_block(block)?;
    let size: usize = lines.iter().map(|(n, v)| n.len() + v.len()).sum();
    if size > max_header_bytes {
        return Err(BadResponse::HeadersTooLarge {
            size,
            limit: max_header_bytes,
        });
    }
    let mut headers = HeaderMap::with_capacity(lines.len());
    let mut dropped = Vec::new();
    for (name, value) in lines {
        let text = String::from_utf8_lossy(name);
        if is_dropped_response_header(&text) {
            dropped.push(text.into_owned());
            continue;
        }
        let name =
            HeaderName::from_bytes(name).map_err(|_| BadResponse::Header(text.to_string()))?;
        let value = HeaderValue::from_bytes(value)
            .map_err(|_| BadResponse::Header(name.as_str().to_string()))?;
        headers.append(name, value);
    }
    Ok((status, headers, dropped))
}

/// Applies the same rules to a response a `wasi:http` guest built: checks the size of
/// its headers and removes the dropped ones, returning their names.
pub(crate) fn filter_response_headers(
    headers: &mut HeaderMap,
    max_header_bytes: usize,
) -> Result<Vec<String>, BadResponse> {
    let size = super::limits::header_bytes(headers);
    if size > max_header_bytes {
        return Err(BadResponse::HeadersTooLarge {
            size,
            limit: max_header_bytes,
        });
    }
    let dropped: Vec<HeaderName> = headers
        .keys()
        .filter(|name| is_dropped_response_header(name.as_str()))
        .cloned()
        .collect();
    for name in &dropped {
        headers.remove(name);
    }
    Ok(dropped.iter().map(|n| n.as_str().to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = http::Request::get(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn request_line_reads_target_and_ip() {
        let parts = parts("/a/b%20c?x=1&x=2", &[("host", "example.com:9000")]);
        let line = RequestLine::new(&parts, &parts.headers, Some("10.0.0.7".parse().unwrap()));
        assert_eq!(line.method, "GET");
        assert_eq!(line.target, "/a/b%20c?x=1&x=2");
        assert_eq!(line.client_ip, "10.0.0.7");
        assert_eq!(line.base_path, "");
    }

    #[test]
    fn platform_headers_override_peer_and_set_base_path() {
        let parts = parts(
            "/2016-08-15/proxy/svc/fn/hello",
            &[
                ("x-fc-client-ip", "203.0.113.7"),
                ("x-fc-base-path", "/2016-08-15/proxy/svc/fn/"),
            ],
        );
        let line = RequestLine::new(&parts, &parts.headers, Some("10.0.0.7".parse().unwrap()));
        assert_eq!(line.client_ip, "203.0.113.7");
        assert_eq!(line.base_path, "/2016-08-15/proxy/svc/fn/");
    }

    #[test]
    fn the_guest_header_block_loses_fc_and_hop_by_hop_headers() {
        let p = parts(
            "/",
            &[
                ("Accept", "a"),
                ("X-FC-Request-Id", "r"),
                ("connection", "keep-alive"),
                ("keep-alive", "timeout=5"),
                ("x-custom", "1"),
                ("x-custom", "2"),
            ],
        );
        assert_eq!(
            guest_header_block(&p.headers),
            b"accept: a\nx-custom: 1\nx-custom: 2\n"
        );
    }

    #[test]
    fn dropped_response_headers() {
        for name in [
            "Connection",
            "content-length",
            "Date",
            "keep-alive",
            "server",
            "upgrade",
            "x-fc-foo",
        ] {
            assert!(is_dropped_response_header(name), "{name}");
        }
        assert!(!is_dropped_response_header("x-fc-status"));
        assert!(!is_dropped_response_header("X-Fc-Status"));
        assert!(!is_dropped_response_header("content-type"));
    }

    #[test]
    fn response_head_filters_and_validates() {
        let block = b"content-type: text/plain\nserver: guest\nx-fc-status: 404\n";
        let (status, map, dropped) = response_head(201, block, 8192).unwrap();
        assert_eq!(status, 201);
        assert_eq!(map["content-type"], "text/plain");
        assert_eq!(map["x-fc-status"], "404");
        assert!(map.get("server").is_none());
        assert_eq!(dropped, ["server"]);
        assert_eq!(
            response_head(1000, b"", 8192).unwrap_err(),
            BadResponse::Status(1000)
        );
        assert!(matches!(
            response_head(200, b"bad name: v\n", 8192),
            Err(BadResponse::Header(_))
        ));
        assert!(matches!(
            response_head(200, b"no colon\n", 8192),
            Err(BadResponse::Header(_))
        ));
    }

    #[test]
    fn response_header_limit_is_inclusive() {
        let at = format!("x-big: {}\n", "v".repeat(8192 - 5));
        assert!(response_head(200, at.as_bytes(), 8192).is_ok());
        let over = format!("x-big: {}\n", "v".repeat(8193 - 5));
        assert_eq!(
            response_head(200, over.as_bytes(), 8192).unwrap_err(),
            BadResponse::HeadersTooLarge {
                size: 8193,
                limit: 8192
            }
        );
    }

    #[test]
    fn wasi_http_headers_are_filtered_in_place() {
        let mut map = HeaderMap::new();
        map.insert("date", "x".parse().unwrap());
        map.insert("x-fc-secret", "x".parse().unwrap());
        map.insert("etag", "x".parse().unwrap());
        let mut dropped = filter_response_headers(&mut map, 8192).unwrap();
        dropped.sort();
        assert_eq!(dropped, ["date", "x-fc-secret"]);
        assert_eq!(map.len(), 1);
    }
}
