//! The native baseline: a hyper server doing what the benchmarked guests do, with the
//! same server settings as `bootstrap` (HTTP/1.1 keep-alive, `TCP_NODELAY`, a tokio
//! multi-thread runtime sized to the CPUs it may use).
//!
//! `--mode echo` answers every request with its body (the `echo` guest behind
//! `/invoke`); `--mode http-echo` answers with the request described as JSON, as the
//! `http-echo` example does.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};

/// What the server answers.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Mode {
    /// The request body.
    Echo,
    /// The request as JSON.
    HttpEcho,
    /// The `http-hello` example: a greeting per method, a POST body printed to stdout.
    Hello,
}

/// A native echo server for side-by-side benchmarks.
#[derive(Debug, Parser)]
struct Args {
    /// Port on 127.0.0.1 (0 picks one; the address is printed on stderr).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// What to answer.
    #[arg(long, value_enum, default_value = "echo")]
    mode: Mode,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(args))
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], args.port))).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    loop {
        let (stream, peer) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let mode = args.mode;
        let service = service_fn(move |request| answer(request, mode, peer));
        tokio::spawn(
            http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service),
        );
    }
}

async fn answer(
    request: Request<Incoming>,
    mode: Mode,
    peer: SocketAddr,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let reply = match mode {
        Mode::Echo => body,
        Mode::HttpEcho => Bytes::from(describe(&parts, &body, peer).to_string()),
        Mode::Hello => hello(&parts.method, &body),
    };
    Ok(Response::new(Full::new(reply)))
}

/// What the `http-hello` example answers (it prints a POST's body, as the guest does).
fn hello(method: &http::Method, body: &[u8]) -> Bytes {
    match *method {
        http::Method::POST => {
            println!("{}", String::from_utf8_lossy(body));
            Bytes::from_static(b"Hello FunctionCompute, http POST")
        }
        _ => Bytes::from_static(b"Hello FunctionCompute, http GET"),
    }
}

/// The JSON the `http-echo` example answers with.
fn describe(parts: &http::request::Parts, body: &[u8], peer: SocketAddr) -> Value {
    let query = parts.uri.query().unwrap_or_default();
    let mut queries = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        queries.insert(key.to_string(), Value::from(value));
    }
    let headers: Map<String, Value> = parts
        .headers
        .iter()
        .filter(|(name, _)| !name.as_str().starts_with("x-fc-"))
        .map(|(name, value)| {
            (
                name.to_string(),
                Value::from(value.to_str().unwrap_or_default()),
            )
        })
        .collect();
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "route": parts.uri.path(),
        "basePath": "",
        "queryString": query,
        "queries": queries,
        "headers": headers,
        "clientIP": peer.ip().to_string(),
        "url": format!("http://{host}{}", parts.uri),
        "body": String::from_utf8_lossy(body),
        "requestId": parts.headers.get("x-fc-request-id").and_then(|h| h.to_str().ok()).unwrap_or(""),
    })
}
