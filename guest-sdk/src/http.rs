//! HTTP functions: the client's request in, a response out.
//!
//! ```
//! use guest_sdk::http::{HttpHandler, IntoResponse, Json, Method, Request, StatusCode};
//! use guest_sdk::Context;
//!
//! struct App;
//!
//! impl HttpHandler for App {
//!     fn handle(_ctx: &Context, request: Request) -> impl IntoResponse {
//!         match (request.method(), request.route()) {
//!             (&Method::GET, "/") => "hello".into_response(),
//!             (&Method::GET, "/user") => {
//!                 let name = request.query("name").unwrap_or("anonymous");
//!                 Json(serde_json::json!({ "name": name })).into_response()
//!             }
//!             (&Method::POST, "/echo") => request.into_body().into_response(),
//!             _ => StatusCode::NOT_FOUND.into_response(),
//!         }
//!     }
//! }
//!
//! guest_sdk::export!(App: HttpHandler);
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};

use crate::bindings::http::exports::fc::runtime::http_handler as wit;
use crate::{Context, Error};

/// The response a handler builds: the `http` crate's response with a byte body.
pub type Response = http::Response<Vec<u8>>;

/// An HTTP function: every HTTP-trigger request calls [`HttpHandler::handle`].
pub trait HttpHandler {
    /// Handles one request. Return anything that is [`IntoResponse`]: text, bytes,
    /// [`Json`], a [`StatusCode`], `(StatusCode, body)`, a [`Response`], or a `Result`
    /// of those whose error becomes FC's error response.
    fn handle(ctx: &Context, request: Request) -> impl IntoResponse;
}

/// An HTTP request as the client sent it. The platform's `x-fc-*` headers are in the
/// [`Context`] instead, and `connection` / `keep-alive` are removed.
#[derive(Clone, Debug)]
pub struct Request {
    method: Method,
    path: String,
    query: String,
    queries: Vec<(String, String)>,
    headers: HeaderMap,
    body: Vec<u8>,
    client_ip: String,
    url: String,
    base_path: String,
}

impl Request {
    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path as received (percent-encoded), without the query. Without a custom
    /// domain (FC 2.0) it starts with the base path, `/2016-08-15/proxy/<service>/<function>/`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path relative to the base path, always starting with `/`: the same whether
    /// the function is called through a custom domain or not. Match routes on this.
    pub fn route(&self) -> &str {
        let base = self.base_path.trim_end_matches('/');
        match self.path.strip_prefix(base) {
            Some(rest) if !base.is_empty() && rest.is_empty() => "/",
            Some(rest) if !base.is_empty() && rest.starts_with('/') => rest,
            _ => &self.path,
        }
    }

    /// The raw query string, without `?`.
    pub fn query_string(&self) -> &str {
        &self.query
    }

    /// The first value of a query parameter, percent-decoded.
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query_all(key).next()
    }

    /// Every value of a query parameter, in order.
    pub fn query_all<'a, 'k>(
        &'a self,
        key: &'k str,
    ) -> impl Iterator<Item = &'a str> + use<'a, 'k> {
        self.queries
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All query pairs, in order, repeated keys kept.
    pub fn queries(&self) -> &[(String, String)] {
        &self.queries
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header's value, when present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Takes the body.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<&str, Error> {
        Ok(std::str::from_utf8(&self.body)?)
    }

    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    /// The caller's IP address.
    pub fn client_ip(&self) -> &str {
        &self.client_ip
    }

    /// The full URL the client asked for.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `x-fc-base-path` (calls without a custom domain), or empty.
    pub fn base_path(&self) -> &str {
        &self.base_path
    }
}

impl From<wit::Request> for Request {
    fn from(request: wit::Request) -> Self {
        let mut headers = HeaderMap::with_capacity(request.headers.len());
        for (name, value) in request.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                headers.append(name, value);
            }
        }
        Request {
            method: Method::from_bytes(request.method.as_bytes()).unwrap_or_default(),
            path: request.path,
            query: request.query,
            queries: request.queries,
            headers,
            body: request.body,
            client_ip: request.client_ip,
            url: request.url,
            base_path: request.base_path,
        }
    }
}

/// A JSON response body: `Json(value)` answers `application/json`.
#[derive(Clone, Debug)]
pub struct Json<T>(pub T);

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

/// Turns a response into the WIT record the host reads.
pub(crate) fn to_wit(response: Response) -> wit::Response {
    let (parts, body) = response.into_parts();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_string(), value)
        })
        .collect();
    wit::Response {
        status: parts.status.as_u16(),
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, base_path: &str) -> Request {
        Request {
            method: Method::GET,
            path: path.into(),
            query: "a=1&a=2&b=x".into(),
            queries: vec![
                ("a".into(), "1".into()),
                ("a".into(), "2".into()),
                ("b".into(), "x".into()),
            ],
            headers: HeaderMap::new(),
            body: b"{\"k\":3}".to_vec(),
            client_ip: String::new(),
            url: String::new(),
            base_path: base_path.into(),
        }
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
    fn queries_keep_repeated_keys() {
        let request = request("/", "");
        assert_eq!(request.query("a"), Some("1"));
        assert_eq!(request.query_all("a").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(request.query("missing"), None);
    }

    #[test]
    fn json_body_parses() {
        let value: serde_json::Value = request("/", "").json().unwrap();
        assert_eq!(value["k"], 3);
    }

    #[test]
    fn responses_carry_content_types_and_statuses() {
        let text = "hi".into_response().unwrap();
        assert_eq!(
            text.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
        let json = Json(serde_json::json!({"a": 1})).into_response().unwrap();
        assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(json.body(), b"{\"a\":1}");
        let created = (StatusCode::CREATED, "made").into_response().unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        assert_eq!(
            StatusCode::NO_CONTENT.into_response().unwrap().status(),
            204
        );
    }

    #[test]
    fn errors_stay_errors() {
        let failed: Result<&'static str, Error> = Err(Error::new("Nope", "no"));
        assert_eq!(failed.into_response().unwrap_err().error_type(), "Nope");
    }

    #[test]
    fn wit_response_keeps_status_headers_and_body() {
        let response = (StatusCode::ACCEPTED, "ok").into_response().unwrap();
        let wit = to_wit(response);
        assert_eq!(wit.status, 202);
        assert_eq!(
            wit.headers,
            [(
                "content-type".to_string(),
                "text/plain; charset=utf-8".to_string()
            )]
        );
        assert_eq!(wit.body, b"ok");
    }
}
