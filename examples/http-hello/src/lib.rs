//! HTTP hello: GET and POST answered differently, like FC's Express example.
//!
//! Build/run with:
//!   cargo build --manifest-path examples/Cargo.toml -p http-hello --target wasm32-wasip2 --release
//!   cargo run --release -p host -- --module examples/target/wasm32-wasip2/release/http_hello.wasm

use guest_sdk::Context;
use guest_sdk::http::{IntoResponse, Method, Request, StatusCode};

fn hello(_ctx: &Context, request: Request) -> impl IntoResponse {
    match *request.method() {
        Method::GET => "Hello FunctionCompute, http GET".into_response(),
        Method::POST => {
            println!("{}", String::from_utf8_lossy(request.body().as_bytes()));
            "Hello FunctionCompute, http POST".into_response()
        }
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

guest_sdk::serve!(hello);
