//! `cargo bench -p bench --bench call_path`: the per-call path without sockets, to
//! watch for regressions: context from headers, instance checkout, the wasm call and
//! the response, through `Router::handle` with the echo guest and a 64-byte event.
//! Prints the best of five batches, in nanoseconds per call.

use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser as _;
use http_body_util::Full;

// `bootstrap`'s allocator (mimalloc) comes with the `host` crate, so the figure is
// the executable's.

/// Calls per batch (`CALL_PATH_BATCH` overrides, e.g. for a run under callgrind).
fn batch() -> u32 {
    std::env::var("CALL_PATH_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn request() -> http::Request<Full<Bytes>> {
    http::Request::post("/invoke")
        .header("host", "127.0.0.1")
        .header("x-fc-control-path", "/invoke")
        .header("x-fc-request-id", "1-67a59f35-150c1267-f381ba1c085c")
        .header("x-fc-function-name", "echo")
        .header("x-fc-function-handler", "index.handler")
        .header("x-fc-function-memory", "512")
        .header("x-fc-function-timeout", "60")
        .header("x-fc-region", "cn-hangzhou")
        .header("x-fc-account-id", "1234567890123456")
        .header("x-fc-qualifier", "LATEST")
        .body(Full::new(Bytes::from(vec![b'x'; 64])))
        .expect("a valid request")
}

fn main() -> anyhow::Result<()> {
    let cli = host::Cli::parse_from(["bootstrap", "--module", test_guests::ECHO]);
    let host = host::Host::load(&cli.serve.call, 1, host::LogSink::Discard)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let per_call = runtime.block_on(async {
        let mut best = Duration::MAX;
        for _ in 0..5 {
            // The request is built inside the loop (as hyper would parse it), and the
            // cost of building and dropping one without handling it is taken off.
            let started = Instant::now();
            for _ in 0..batch() {
                let response = host.router().handle(request()).await;
                assert_eq!(response.status(), 200);
            }
            let handled = started.elapsed();
            let started = Instant::now();
            for _ in 0..batch() {
                drop(std::hint::black_box(request()));
            }
            let built = started.elapsed();
            best = best.min(handled.saturating_sub(built) / batch());
        }
        best
    });
    println!(
        "call path (Router::handle, echo, 64 B): {} ns/call",
        per_call.as_nanos()
    );
    Ok(())
}
