//! A standard `wasi:http/proxy` component built with `wstd` and no SDK of ours: it runs
//! unchanged in `bootstrap`, in `wasmtime serve` or in any wasi-http host. Being the
//! analogue of a custom container's own server, it sees the platform's `x-fc-*` headers.
//!
//! Routes: `/` says hello; `/echo` streams the request body back; `/headers` answers the
//! request headers as `name: value` lines; `/stream` writes five chunks 50 ms apart (and logs each);
//! `/fetch?url=<http url>` makes an outgoing request and answers its body.
//!
//! Build/run with:
//!   cargo build --manifest-path examples/Cargo.toml -p wasi-http --target wasm32-wasip2 --release
//!   cargo run --release -p host -- --module examples/target/wasm32-wasip2/release/wasi-http.wasm

use std::convert::Infallible;

use wstd::http::body::{Body, Bytes};
use wstd::http::{Client, Error, Request, Response, StatusCode};
use wstd::time::Duration;

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    match request.uri().path() {
        "/" => Ok(Response::new(
            "Hello from a plain wasi:http component\n".into(),
        )),
        "/echo" => Ok(Response::new(request.into_body())),
        "/headers" => Ok(Response::new(header_lines(&request).into())),
        "/stream" => Ok(Response::new(Body::from_try_stream(chunks()))),
        "/fetch" => fetch(&request).await,
        _ => Ok(Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body("not found\n".into())?),
    }
}

fn header_lines(request: &Request<Body>) -> String {
    request
        .headers()
        .iter()
        .map(|(name, value)| format!("{name}: {}\n", value.to_str().unwrap_or("<binary>")))
        .collect()
}

/// Five chunks, 50 ms apart: the client sees them arrive one by one. Each is logged
/// (after the response head has gone).
fn chunks() -> impl futures_lite::Stream<Item = Result<Bytes, Infallible>> {
    futures_lite::stream::unfold(0, |n| async move {
        if n == 5 {
            return None;
        }
        wstd::task::sleep(Duration::from_millis(50)).await;
        println!("sending chunk {n}");
        Some((Ok(Bytes::from(format!("chunk {n}\n"))), n + 1))
    })
}

async fn fetch(request: &Request<Body>) -> Result<Response<Body>, Error> {
    let query = request.uri().query().unwrap_or_default();
    let Some(url) = query.strip_prefix("url=") else {
        return Ok(Response::builder()
            .status(StatusCode::BAD_REQUEST)
            .body("expected ?url=<http url>\n".into())?);
    };
    let outgoing = Request::get(url).body(Body::empty())?;
    let response = Client::new().send(outgoing).await?;
    let status = response.status();
    let mut body = response.into_body();
    let body = body.str_contents().await?.to_string();
    Ok(Response::builder().status(status).body(body.into())?)
}
