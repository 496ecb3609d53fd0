//! Test harnesses: [`InProcess`] calls the socket-free `Router::handle` seam directly
//! (most tests); [`Served`] runs the real server on 127.0.0.1:0 in this process, for
//! what only a socket shows (keep-alive, raw bytes, disconnects). Both capture the FC
//! log. Plus request builders and a small HTTP/1.1 client.

#![allow(dead_code, reason = "each test module uses part of the harness")]

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// The settings `bootstrap` gets on FC, but on 127.0.0.1 and a free port: the
/// initializer runs only when `/initialize` is called, as the platform does.
pub(crate) fn default_args(module: &str) -> host::ServeArgs {
    use clap::Parser as _;
    let cli = host::Cli::parse_from([
        "bootstrap",
        "--port",
        "0",
        "--module",
        module,
        "--initializer",
        "off",
        // Each test compiles what it loads: no state shared through the user's cache.
        "--cache-dir",
        "none",
    ]);
    host::ServeArgs {
        listen: Ipv4Addr::LOCALHOST.into(),
        ..cli.serve
    }
}

/// A loaded module whose router is called directly, with the FC log captured.
#[derive(Clone, Debug)]
pub(crate) struct InProcess {
    host: Arc<host::Host>,
    log: Arc<Mutex<Vec<u8>>>,
}

impl InProcess {
    /// Loads `module` with default settings.
    pub(crate) fn start(module: &str) -> Self {
        Self::start_with(module, |_| {})
    }

    /// Loads `module` after `configure` adjusts the settings.
    pub(crate) fn start_with(module: &str, configure: impl FnOnce(&mut host::ServeArgs)) -> Self {
        let mut args = default_args(module);
        configure(&mut args);
        let (sink, log) = host::LogSink::capture();
        let host = host::Host::load(&args.call, args.max_instances, sink)
            .unwrap_or_else(|e| panic!("cannot load `{module}`: {e:#}"));
        InProcess {
            host: Arc::new(host),
            log,
        }
    }

    /// Sends one request through `Router::handle` and reads the whole response.
    pub(crate) async fn send(&self, mut request: Request<Full<Bytes>>) -> Response<Bytes> {
        // The peer address the server would record.
        let peer = SocketAddr::from((Ipv4Addr::LOCALHOST, 40000));
        request.extensions_mut().insert(host::PeerAddr(peer));
        let response = self.host.router().handle(request).await;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("the response body").to_bytes();
        Response::from_parts(parts, body)
    }

    /// `POST /invoke` with `x-fc-control-path: /invoke` and `body`.
    pub(crate) async fn invoke(&self, body: impl Into<Bytes>) -> Response<Bytes> {
        self.send(invoke_request(body)).await
    }

    /// Everything written to the FC log so far.
    pub(crate) fn log(&self) -> String {
        text_of(&self.log)
    }

    /// Reloads the module file, as `--watch` or SIGHUP does.
    pub(crate) async fn reload(&self) -> Result<(), host::ReloadError> {
        self.host.reloader().reload().await
    }

    /// The router, for tests that drive it with their own bodies.
    pub(crate) fn router(&self) -> &host::Router {
        self.host.router()
    }

    /// Waits until the log contains `needle` (bounded: 10 s).
    pub(crate) async fn wait_for_log(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.log().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "no `{needle}` in the log: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// `bootstrap`'s server running in this process, on its own runtime and thread.
#[derive(Debug)]
pub(crate) struct Served {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<u8>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Served {
    /// Serves `module` with default settings.
    pub(crate) fn start(module: &str) -> Self {
        Self::start_with(module, |_| {})
    }

    /// Serves `module` after `configure` adjusts the settings.
    pub(crate) fn start_with(module: &str, configure: impl FnOnce(&mut host::ServeArgs)) -> Self {
        let mut args = default_args(module);
        configure(&mut args);
        let (sink, log) = host::LogSink::capture();
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready, started) = std::sync::mpsc::channel();
        // The host gets a runtime of its own, on its own thread, like the real binary.
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let server = match host::start(&args, sink).await {
                    Ok(server) => server,
                    Err(error) => return drop(ready.send(Err(format!("{error:#}")))),
                };
                let _ = ready.send(server.local_addr().map_err(|e| format!("{e:#}")));
                server
                    .run(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        let addr = match started.recv() {
            Ok(Ok(addr)) => addr,
            Ok(Err(error)) => panic!("cannot start bootstrap: {error}"),
            Err(_) => panic!("the host thread died during start-up"),
        };
        Served {
            addr,
            log,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The address the host listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Everything written to the FC log so far.
    pub(crate) fn log(&self) -> String {
        text_of(&self.log)
    }

    /// Sends one request on a new connection.
    pub(crate) async fn send(&self, request: Request<Full<Bytes>>) -> Response<Bytes> {
        self.connect().await.send(request).await
    }

    /// `POST /invoke` with `x-fc-control-path: /invoke` and `body`.
    pub(crate) async fn invoke(&self, body: impl Into<Bytes>) -> Response<Bytes> {
        self.send(invoke_request(body)).await
    }

    /// Opens one keep-alive connection.
    pub(crate) async fn connect(&self) -> Connection {
        Connection::open(self.addr).await
    }

    /// Waits until the log contains `needle` (bounded: 10 s).
    pub(crate) async fn wait_for_log(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.log().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "no `{needle}` in the log: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn text_of(log: &Mutex<Vec<u8>>) -> String {
    let bytes = log.lock().unwrap_or_else(|e| e.into_inner()).clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// An HTTP/1.1 connection that carries many requests.
#[derive(Debug)]
pub(crate) struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    /// Connects to `addr`.
    pub(crate) async fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr)
            .await
            .expect("connect to bootstrap");
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .expect("HTTP/1.1 handshake");
        tokio::spawn(connection);
        Connection { sender }
    }

    /// Sends one request and reads the whole response.
    pub(crate) async fn send(&mut self, request: Request<Full<Bytes>>) -> Response<Bytes> {
        self.sender.ready().await.expect("connection ready");
        let response = self.sender.send_request(request).await.expect("a response");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("the response body").to_bytes();
        Response::from_parts(parts, body)
    }
}

/// A platform-style invoke request: `POST /invoke`, `x-fc-control-path: /invoke`.
pub(crate) fn invoke_request(body: impl Into<Bytes>) -> Request<Full<Bytes>> {
    fc_request("/invoke")
        .body(Full::new(body.into()))
        .expect("a valid request")
}

/// A request builder for `POST <control path>` with `x-fc-control-path` and a host.
pub(crate) fn fc_request(control_path: &str) -> http::request::Builder {
    Request::post(control_path)
        .header("host", "127.0.0.1")
        .header("x-fc-control-path", control_path)
}

/// A request builder for `POST /invoke` as the platform sends it, with extra headers.
pub(crate) fn invoke_with(
    body: impl Into<Bytes>,
    headers: &[(&str, &str)],
) -> Request<Full<Bytes>> {
    let mut request = fc_request("/invoke");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .body(Full::new(body.into()))
        .expect("a valid request")
}

/// An empty body.
pub(crate) fn empty() -> Full<Bytes> {
    Full::new(Bytes::new())
}

/// The response body as text.
pub(crate) fn text(response: &Response<Bytes>) -> String {
    String::from_utf8_lossy(response.body()).into_owned()
}

/// The response body as JSON.
pub(crate) fn json(response: &Response<Bytes>) -> serde_json::Value {
    serde_json::from_slice(response.body())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(response)))
}

/// Waits for every task, in order.
pub(crate) async fn join_all<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.expect("the task completes"));
    }
    results
}

/// The FC log's lines without their timestamps.
pub(crate) fn records(log: &str) -> Vec<String> {
    log.lines()
        .map(|line| match line.split_once("Z: ") {
            Some((_, rest)) => rest.to_string(),
            None => line.to_string(),
        })
        .collect()
}

/// Checks that every Start line of the log has exactly one End line after it, with the
/// same phase and request id, and no End line comes without its Start.
pub(crate) fn assert_framed(log: &str) {
    let mut open: Vec<String> = Vec::new();
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix("FC ") {
            let (phase_and_kind, id) = rest.split_once(" RequestId: ").expect(line);
            let id = id.split(", Error: ").next().unwrap_or(id);
            let (phase, kind) = phase_and_kind.rsplit_once(' ').expect(line);
            let key = format!("{phase} {id}");
            match kind {
                "Start" => {
                    assert!(!open.contains(&key), "two Start lines for {key}: {log}");
                    open.push(key);
                }
                "End" => {
                    let at = open.iter().position(|k| *k == key);
                    let at = at.unwrap_or_else(|| panic!("End without Start for {key}: {log}"));
                    open.remove(at);
                }
                other => panic!("unexpected marker `{other}` in {line}"),
            }
        }
    }
    assert!(open.is_empty(), "Start lines without End: {open:?}\n{log}");
}

/// A response read off a raw connection: status code, lower-case headers, body.
#[derive(Debug)]
pub(crate) struct RawResponse {
    /// The status code.
    pub(crate) status: u16,
    /// Header lines as (lower-case name, value).
    pub(crate) headers: Vec<(String, String)>,
    /// Everything after the header block (not de-chunked).
    pub(crate) body: Vec<u8>,
}

impl RawResponse {
    /// The first value of a header.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Writes `request` exactly as given on a new connection and reads until the server
/// closes it (the request should say `connection: close`). Writing and reading run at
/// once, so an answer the server gives before taking the whole request (a refused
/// body) is read even though the rest of the write then fails.
pub(crate) async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> RawResponse {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let request = request.to_vec();
    let sender = tokio::spawn(async move {
        let _ = writer.write_all(&request).await;
        writer
    });
    let mut bytes = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    // A reset after the answer (the server dropping unread body bytes) ends the read.
    while let Ok(n @ 1..) = reader.read(&mut buffer).await {
        bytes.extend_from_slice(&buffer[..n]);
    }
    drop(sender.await);
    parse_raw_response(&bytes)
}

/// Parses an HTTP/1.1 response head and keeps the rest as the body.
pub(crate) fn parse_raw_response(bytes: &[u8]) -> RawResponse {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    RawResponse {
        status,
        headers,
        body: bytes[split + 4..].to_vec(),
    }
}

/// A plain HTTP server on 127.0.0.1 answering every request with `text`, for guests'
/// outgoing requests. Runs until the test's runtime ends.
pub(crate) async fn serve_text(text: &'static str) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind a local server");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = hyper::service::service_fn(move |_request| async move {
                Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(text))))
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    addr
}

/// A TCP server on 127.0.0.1 that accepts connections and never answers, for guests
/// blocked on a slow upstream. Runs until the test's runtime ends.
pub(crate) async fn serve_silence() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind a local server");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    addr
}

/// A fixed time limit of `n` seconds, as `--function-timeout <n>` gives.
pub(crate) fn seconds(n: u64) -> Option<host::TimeLimit> {
    Some(host::TimeLimit::After(Duration::from_secs(n)))
}
