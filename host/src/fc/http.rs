//! HTTP functions (fc-protocol.md §2, §5): what a guest sees of the client's request,
//! and which of its response headers reach the client.

use std::net::IpAddr;

use http::header::HOST;
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
    let name = name.to_ascii_lowercase();
    DROPPED_RESPONSE_HEADERS.contains(&name.as_str())
        || (is_fc_header(&name) && name != headers::STATUS)
}

/// What the HTTP handler is told about a request besides its headers and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestLine {
    /// The method as sent.
    pub method: String,
    /// The path as received, still percent-encoded.
    pub path: String,
    /// The raw query without `?`.
    pub query: String,
    /// The query as decoded pairs, in order, repeated keys kept.
    pub queries: Vec<(String, String)>,
    /// `x-fc-client-ip`, else the peer's address.
    pub client_ip: String,
    /// `http://<host><path>[?<query>]`.
    pub url: String,
    /// `x-fc-base-path`, or empty.
    pub base_path: String,
}

impl RequestLine {
    /// Reads the request line and the platform's HTTP headers.
    pub(crate) fn from_parts(parts: &Parts, peer: Option<IpAddr>) -> Self {
        let path = parts.uri.path().to_string();
        let query = parts.uri.query().unwrap_or_default().to_string();
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .filter(|v| !v.is_empty())
        };
        let host = parts
            .uri
            .authority()
            .map(|a| a.to_string())
            .or_else(|| header(HOST.as_str()))
            .unwrap_or_else(|| "localhost".to_string());
        let url = match query.as_str() {
            "" => format!("http://{host}{path}"),
            query => format!("http://{host}{path}?{query}"),
        };
        RequestLine {
            method: parts.method.as_str().to_string(),
            queries: parse_query(&query),
            client_ip: header(CLIENT_IP)
                .or_else(|| peer.map(|ip| ip.to_string()))
                .unwrap_or_default(),
            base_path: header(BASE_PATH).unwrap_or_default(),
            url,
            path,
            query,
        }
    }
}

/// Decodes a query string into pairs (percent-decoding, `+` as space), keeping
/// order and repeated keys.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The request headers an `fc:runtime/http-handler` guest sees: in order received,
/// names lower-case, without `x-fc-*` (those are the context) and hop-by-hop headers.
pub(crate) fn guest_request_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !is_fc_header(name.as_str()) && !is_stripped_request_header(name))
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_string(), value)
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

/// Turns the guest's status and headers into the response's, dropping what the
/// platform drops. Returns the names it dropped (for a debug line).
pub(crate) fn response_head(
    status: u16,
    guest_headers: &[(String, String)],
    max_header_bytes: usize,
) -> Result<(StatusCode, HeaderMap, Vec<String>), BadResponse> {
    let status = StatusCode::from_u16(status).map_err(|_| BadResponse::Status(status))?;
    let size: usize = guest_headers.iter().map(|(n, v)| n.len() + v.len()).sum();
    if size > max_header_bytes {
        return Err(BadResponse::HeadersTooLarge {
            size,
            limit: max_header_bytes,
        });
    }
    let mut headers = HeaderMap::with_capacity(guest_headers.len());
    let mut dropped = Vec::new();
    for (name, value) in guest_headers {
        if is_dropped_response_header(name) {
            dropped.push(name.clone());
            continue;
        }
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| BadResponse::Header(name.clone()))?;
        let value = HeaderValue::from_str(value)
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
    fn request_line_reads_path_query_url_and_ip() {
        let line = RequestLine::from_parts(
            &parts(
                "/a/b%20c?x=1&x=2&y=h%C3%A9+llo",
                &[("host", "example.com:9000")],
            ),
            Some("10.0.0.7".parse().unwrap()),
        );
        assert_eq!(line.method, "GET");
        assert_eq!(line.path, "/a/b%20c");
        assert_eq!(line.query, "x=1&x=2&y=h%C3%A9+llo");
        assert_eq!(
            line.queries,
            [
                ("x".into(), "1".into()),
                ("x".into(), "2".into()),
                ("y".into(), "hé llo".into())
            ]
        );
        assert_eq!(
            line.url,
            "http://example.com:9000/a/b%20c?x=1&x=2&y=h%C3%A9+llo"
        );
        assert_eq!(line.client_ip, "10.0.0.7");
        assert_eq!(line.base_path, "");
    }

    #[test]
    fn platform_headers_override_peer_and_set_base_path() {
        let line = RequestLine::from_parts(
            &parts(
                "/2016-08-15/proxy/svc/fn/hello",
                &[
                    ("x-fc-client-ip", "203.0.113.7"),
                    ("x-fc-base-path", "/2016-08-15/proxy/svc/fn/"),
                ],
            ),
            Some("10.0.0.7".parse().unwrap()),
        );
        assert_eq!(line.client_ip, "203.0.113.7");
        assert_eq!(line.base_path, "/2016-08-15/proxy/svc/fn/");
        assert_eq!(line.url, "http://localhost/2016-08-15/proxy/svc/fn/hello");
    }

    #[test]
    fn guest_headers_lose_fc_and_hop_by_hop_headers() {
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
            guest_request_headers(&p.headers),
            [
                ("accept".into(), "a".into()),
                ("x-custom".into(), "1".into()),
                ("x-custom".into(), "2".into())
            ]
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
        assert!(!is_dropped_response_header("content-type"));
    }

    #[test]
    fn response_head_filters_and_validates() {
        let headers = vec![
            ("content-type".to_string(), "text/plain".to_string()),
            ("server".to_string(), "guest".to_string()),
            ("x-fc-status".to_string(), "404".to_string()),
        ];
        let (status, map, dropped) = response_head(201, &headers, 8192).unwrap();
        assert_eq!(status, 201);
        assert_eq!(map["content-type"], "text/plain");
        assert_eq!(map["x-fc-status"], "404");
        assert!(map.get("server").is_none());
        assert_eq!(dropped, ["server"]);
        assert_eq!(
            response_head(1000, &[], 8192).unwrap_err(),
            BadResponse::Status(1000)
        );
        let bad = vec![("bad name".to_string(), "v".to_string())];
        assert!(matches!(
            response_head(200, &bad, 8192),
            Err(BadResponse::Header(_))
        ));
    }

    #[test]
    fn response_header_limit_is_inclusive() {
        let at = vec![("x-big".to_string(), "v".repeat(8192 - 5))];
        assert!(response_head(200, &at, 8192).is_ok());
        let over = vec![("x-big".to_string(), "v".repeat(8193 - 5))];
        assert_eq!(
            response_head(200, &over, 8192).unwrap_err(),
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
