//! HTTP functions: the request as an `http::Request<Body>`, so routers and helpers
//! built on the `http` crate work, with FC's extras through [`RequestExt`]; the answer
//! anything [`IntoResponse`].
//!
//! ```
//! use guest_sdk::http::{IntoResponse, Json, Method, Request, RequestExt, StatusCode};
//! use guest_sdk::Context;
//!
//! fn handler(ctx: &Context, request: Request) -> impl IntoResponse {
//!     match (request.method(), request.route()) {
//!         (&Method::GET, "/") => "hello".into_response(),
//!         (&Method::GET, "/whoami") => Json(serde_json::json!({
//!             "ip": request.client_ip(),
//!             "requestId": ctx.request_id(),
//!         }))
//!         .into_response(),
//!         (&Method::POST, "/echo") => request.into_body().into_bytes().into_response(),
//!         _ => StatusCode::NOT_FOUND.into_response(),
//!     }
//! }
//!
//! guest_sdk::serve!(handler);
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::event::Json;
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};

use crate::Error;
use crate::bindings::http::exports::fc::runtime::http_handler as wit;

/// The request a handler gets: the `http` crate's request with a byte body.
pub type Request = http::Request<Body>;

/// The response a handler builds: the `http` crate's response with a byte body.
pub type Response = http::Response<Vec<u8>>;

/// A request body: the bytes the client sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body(Vec<u8>);

impl Body {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Takes the bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<&str, Error> {
        Ok(std::str::from_utf8(&self.0)?)
    }

    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        Ok(serde_json::from_slice(&self.0)?)
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body(bytes)
    }
}

/// What FC adds to a request, kept in its extensions.
#[derive(Clone, Debug, Default)]
struct FcRequest {
    client_ip: String,
    base_path: String,
}

/// FC's extras on a request: the caller's IP, the base path, the route, the query.
pub trait RequestExt {
    /// The caller's IP address (`x-fc-client-ip`, else the peer's).
    fn client_ip(&self) -> &str;
    /// `x-fc-base-path` (FC 2.0 without a custom domain:
    /// `/2016-08-15/proxy/<service>/<function>/`), or empty.
    fn base_path(&self) -> &str;
    /// The path relative to the base path, always starting with `/`: the same whether
    /// the function is called through a custom domain or not. Route on this.
    fn route(&self) -> &str;
    /// The query as percent-decoded pairs, in order, repeated keys kept.
    fn queries(&self) -> Vec<(String, String)>;
    /// The first value of a query parameter.
    fn query(&self, key: &str) -> Option<String>;
    /// The full URL the client asked for: `http://<host><path>[?<query>]`.
    fn url(&self) -> String;
}

impl<B> RequestExt for http::Request<B> {
    fn client_ip(&self) -> &str {
        self.extensions()
            .get::<FcRequest>()
            .map_or("", |fc| fc.client_ip.as_str())
    }

    fn base_path(&self) -> &str {
        self.extensions()
            .get::<FcRequest>()
            .map_or("", |fc| fc.base_path.as_str())
    }

    fn route(&self) -> &str {
        route(self.uri().path(), self.base_path())
    }

    fn queries(&self) -> Vec<(String, String)> {
        let query = self.uri().query().unwrap_or_default();
        form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn query(&self, key: &str) -> Option<String> {
        self.queries()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn url(&self) -> String {
        let host = self
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let target = self.uri().path_and_query().map_or("/", |t| t.as_str());
        format!("http://{host}{target}")
    }
}

/// `path` relative to `base` (`/` when they are the same).
fn route<'a>(path: &'a str, base: &str) -> &'a str {
    let base = base.trim_end_matches('/');
    match path.strip_prefix(base) {
        Some(rest) if !base.is_empty() && rest.is_empty() => "/",
        Some(rest) if !base.is_empty() && rest.starts_with('/') => rest,
        _ => path,
    }
}

/// The request of the host's record: headers parsed from their block (a line that is
/// not a valid header is skipped), any method kept.
pub(crate) fn from_wit(request: wit::Request) -> Request {
    let mut builder = http::Request::builder()
        .method(Method::from_bytes(request.method.as_bytes()).unwrap_or_default())
        .uri(Uri::try_from(request.target).unwrap_or_default());
    if let Some(headers) = builder.headers_mut() {
        *headers = parse_header_block(&request.headers);
    }
    let mut built = builder.body(Body(request.body)).unwrap_or_default();
    built.extensions_mut().insert(FcRequest {
        client_ip: request.client_ip,
        base_path: request.base_path,
    });
    built
}

/// Parses `name: value\n` lines.
fn parse_header_block(block: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for line in block.split(|&b| b == b'\n').filter(|line| !line.is_empty()) {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let value = line[colon + 1..]
            .strip_prefix(b" ")
            .unwrap_or(&line[colon + 1..]);
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

/// Writes `name: value\n` lines.
fn header_block(headers: &HeaderMap) -> Vec<u8> {
    let mut block = Vec::with_capacity(headers.len() * 32);
    for (name, value) in headers {
        block.extend_from_slice(name.as_str().as_bytes());
        block.extend_from_slice(b": ");
        block.extend_from_slice(value.as_bytes());
        block.push(b'\n');
    }
    block
}

/// Anything a handler can answer with.
pub trait IntoResponse {
    /// The response, or the error that becomes FC's error response.
    fn into_response(self) -> Result<Response, Error>;
}

fn with_type(body: Vec<u8>, content_type: &'static str) -> Result<Response, Error> {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

impl IntoResponse for Response {
    fn into_response(self) -> Result<Response, Error> {
        Ok(self)
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Result<Response, Error> {
        with_type(self.as_bytes().to_vec(), "text/plain; charset=utf-8")
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Result<Response, Error> {
        with_type(self.into_bytes(), "text/plain; charset=utf-8")
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Result<Response, Error> {
        with_type(self, "application/octet-stream")
    }
}

impl IntoResponse for &'static [u8] {
    fn into_response(self) -> Result<Response, Error> {
        self.to_vec().into_response()
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Result<Response, Error> {
        let mut response = Response::new(Vec::new());
        *response.status_mut() = self;
        Ok(response)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Result<Response, Error> {
        with_type(serde_json::to_vec(&self.0)?, "application/json")
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Result<Response, Error> {
        let mut response = self.1.into_response()?;
        *response.status_mut() = self.0;
        Ok(response)
    }
}

impl<T: IntoResponse, E: Into<Error>> IntoResponse for Result<T, E> {
    fn into_response(self) -> Result<Response, Error> {
        self.map_err(Into::into)?.into_response()
    }
}

/// The host's response record of a response.
pub(crate) fn to_wit(response: Response) -> wit::Response {
    let (parts, body) = response.into_parts();
    wit::Response {
        status: parts.status.as_u16(),
        headers: header_block(&parts.headers),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str, base_path: &str) -> Request {
        from_wit(wit::Request {
            method: "GET".into(),
            target: target.into(),
            headers: b"host: fc.example.com\nx-multi: 1\nx-multi: 2\nbad line\n".to_vec(),
            body: br#"{"k":3}"#.to_vec(),
            client_ip: "203.0.113.7".into(),
            base_path: base_path.into(),
        })
    }

    #[test]
    fn the_request_is_an_http_request_with_fc_extras() {
        let request = request("/a/b%20c?x=1&x=2&y=h%C3%A9", "");
        assert_eq!(request.uri().path(), "/a/b%20c");
        assert_eq!(request.headers().get_all("x-multi").iter().count(), 2);
        assert_eq!(request.client_ip(), "203.0.113.7");
        assert_eq!(request.query("y").as_deref(), Some("hé"));
        assert_eq!(request.queries().len(), 3);
        assert_eq!(
            request.url(),
            "http://fc.example.com/a/b%20c?x=1&x=2&y=h%C3%A9"
        );
        let value: serde_json::Value = request.body().json().unwrap();
        assert_eq!(value["k"], 3);
    }

    #[test]
    fn header_blocks_keep_every_valid_line_in_order() {
        let block = b"a: 1\nb:2\nempty: \nno colon\nbad name: x\na: 3\nlast: no newline";
        let headers = parse_header_block(block);
        let all: Vec<(&str, &[u8])> = headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        assert_eq!(
            all,
            [
                ("a", &b"1"[..]),
                ("a", b"3"),
                ("b", b"2"),
                ("empty", b""),
                ("last", b"no newline"),
            ]
        );
        assert!(parse_header_block(b"").is_empty());
        assert!(parse_header_block(b"\n\n:\n").is_empty());
    }

    #[test]
    fn route_strips_the_base_path() {
        let base = "/2016-08-15/proxy/svc/fn/";
        assert_eq!(
            request("/2016-08-15/proxy/svc/fn/users/1", base).route(),
            "/users/1"
        );
        assert_eq!(request("/2016-08-15/proxy/svc/fn/", base).route(), "/");
        assert_eq!(request("/2016-08-15/proxy/svc/fn", base).route(), "/");
        assert_eq!(request("/users/1", "").route(), "/users/1");
        assert_eq!(request("/other", base).route(), "/other");
    }

    #[test]
    fn unknown_methods_are_kept() {
        let request = from_wit(wit::Request {
            method: "PURGE".into(),
            target: "/".into(),
            headers: Vec::new(),
            body: Vec::new(),
            client_ip: String::new(),
            base_path: String::new(),
        });
        assert_eq!(request.method().as_str(), "PURGE");
    }

    #[test]
    fn responses_carry_content_types_statuses_and_header_blocks() {
        let text = "hi".into_response().unwrap();
        assert_eq!(
            text.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
        let created = (StatusCode::CREATED, Json(serde_json::json!({"a": 1})))
            .into_response()
            .unwrap();
        let wit = to_wit(created);
        assert_eq!(wit.status, 201);
        assert_eq!(wit.headers, b"content-type: application/json\n");
        assert_eq!(wit.body, br#"{"a":1}"#);
        let failed: Result<&'static str, Error> = Err(Error::new("Nope", "no"));
        assert_eq!(failed.into_response().unwrap_err().error_type(), "Nope");
    }
}
