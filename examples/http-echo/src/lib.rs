//! HTTP echo: answers with the request as the function saw it, as JSON: method, path,
//! queries (a string, or a list for repeated keys), headers, client IP, URL and body.
//!
//! Build/run with:
//!   cargo build --manifest-path examples/Cargo.toml -p http-echo --target wasm32-wasip2 --release
//!   cargo run --release -p host -- --module examples/target/wasm32-wasip2/release/http_echo.wasm
//!   curl -i 'localhost:9000/any/path?x=1&x=2&y=3' -d hello

use guest_sdk::Context;
use guest_sdk::http::{IntoResponse, Json, Request, RequestExt};
use serde_json::{Map, Value, json};

fn echo(ctx: &Context, request: Request) -> impl IntoResponse {
    Json(json!({
        "method": request.method().as_str(),
        "path": request.uri().path(),
        "route": request.route(),
        "basePath": request.base_path(),
        "queryString": request.uri().query().unwrap_or_default(),
        "queries": queries(&request),
        "headers": headers(&request),
        "clientIP": request.client_ip(),
        "url": request.url(),
        "body": String::from_utf8_lossy(request.body().as_bytes()),
        "requestId": ctx.request_id(),
    }))
}

/// Query parameters as in FC's Node.js `req.queries`: a string, or a list of strings
/// when the key repeats.
fn queries(request: &Request) -> Map<String, Value> {
    let mut map = Map::new();
    for (key, value) in request.queries() {
        match map.get_mut(&key) {
            None => {
                map.insert(key, Value::from(value));
            }
            Some(Value::Array(values)) => values.push(Value::from(value)),
            Some(first) => *first = json!([first.take(), value]),
        }
    }
    map
}

/// Headers as an object; repeated headers are joined with `, `.
fn headers(request: &Request) -> Map<String, Value> {
    let mut map = Map::new();
    for name in request.headers().keys() {
        let values: Vec<&str> = request
            .headers()
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or_default())
            .collect();
        map.insert(name.to_string(), Value::from(values.join(", ")));
    }
    map
}

guest_sdk::serve!(echo);
