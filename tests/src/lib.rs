//! Test support: paths of the guest components built by `build.rs`, an in-process
//! `bootstrap` on 127.0.0.1:0 whose FC log is captured, and a small HTTP/1.1 client.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// Paths of the guest components, one `const` per example and fixture.
pub mod guests {
    include!(concat!(env!("OUT_DIR"), "/guests.rs"));
}

pub use guests::WASM_TARGET_DIR;

/// `bootstrap` running in this process, on its own runtime and thread.
#[derive(Debug)]
pub struct TestHost {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<u8>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestHost {
    /// Serves `module` with default settings.
    pub fn start(module: &str) -> Self {
        Self::start_with(module, |_| {})
    }

    /// Serves `module` after `configure` adjusts the settings.
    pub fn start_with(module: &str, configure: impl FnOnce(&mut host::ServeArgs)) -> Self {
        Self::try_start_with(module, configure)
            .unwrap_or_else(|e| panic!("cannot start bootstrap: {e:#}"))
    }

    /// Like [`TestHost::start_with`], returning start-up errors.
    pub fn try_start_with(
        module: &str,
        configure: impl FnOnce(&mut host::ServeArgs),
    ) -> Result<Self, String> {
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
            Ok(Err(error)) => return Err(error),
            Err(_) => return Err("the host thread died during start-up".into()),
        };
        Ok(TestHost {
            addr,
            log,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address the host listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Everything written to the FC log so far.
    pub fn log(&self) -> String {
        let bytes = self.log.lock().unwrap_or_else(|e| e.into_inner()).clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Sends one request on a new connection.
    pub async fn send(&self, request: Request<Full<Bytes>>) -> Response<Bytes> {
        self.connect().await.send(request).await
    }

    /// `POST /invoke` with `x-fc-control-path: /invoke` and `body`.
    pub async fn invoke(&self, body: impl Into<Bytes>) -> Response<Bytes> {
        self.send(invoke_request(body)).await
    }

    /// Opens one keep-alive connection.
    pub async fn connect(&self) -> Connection {
        Connection::open(self.addr).await
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The settings `bootstrap` would get from no flags, but on 127.0.0.1 and a free port.
pub fn default_args(module: &str) -> host::ServeArgs {
    use clap::Parser as _;
    let cli = host::Cli::parse_from(["bootstrap", "--port", "0", "--module", module]);
    host::ServeArgs {
        listen: Ipv4Addr::LOCALHOST.into(),
        ..cli.serve
    }
}

/// An HTTP/1.1 connection that carries many requests.
#[derive(Debug)]
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    /// Connects to `addr`.
    pub async fn open(addr: SocketAddr) -> Self {
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
    pub async fn send(&mut self, request: Request<Full<Bytes>>) -> Response<Bytes> {
        self.sender.ready().await.expect("connection ready");
        let response = self.sender.send_request(request).await.expect("a response");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("the response body").to_bytes();
        Response::from_parts(parts, body)
    }
}

/// A platform-style invoke request: `POST /invoke`, `x-fc-control-path: /invoke`.
pub fn invoke_request(body: impl Into<Bytes>) -> Request<Full<Bytes>> {
    fc_request("/invoke")
        .body(Full::new(body.into()))
        .expect("a valid request")
}

/// A request builder for `POST <control path>` with `x-fc-control-path` and a host.
pub fn fc_request(control_path: &str) -> http::request::Builder {
    Request::post(control_path)
        .header("host", "127.0.0.1")
        .header("x-fc-control-path", control_path)
}

/// The response body as text.
pub fn text(response: &Response<Bytes>) -> String {
    String::from_utf8_lossy(response.body()).into_owned()
}

/// The response body as JSON.
pub fn json(response: &Response<Bytes>) -> serde_json::Value {
    serde_json::from_slice(response.body())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(response)))
}

/// Waits for every task, in order.
pub async fn join_all<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.expect("the task completes"));
    }
    results
}

/// A response read off a raw connection: status code, lower-case headers, body.
#[derive(Debug)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// Header lines as (lower-case name, value).
    pub headers: Vec<(String, String)>,
    /// Everything after the header block (not de-chunked).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Writes `request` exactly as given on a new connection and reads until the server
/// closes it (the request should say `connection: close`). Writing and reading run at
/// once, so an answer the server gives before taking the whole request (a refused
/// body) is read even though the rest of the write then fails.
pub async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> RawResponse {
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
pub fn parse_raw_response(bytes: &[u8]) -> RawResponse {
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
pub async fn serve_text(text: &'static str) -> SocketAddr {
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
pub async fn serve_silence() -> SocketAddr {
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

/// A request builder for `POST /invoke` as the platform sends it, with extra headers.
pub fn invoke_with(body: impl Into<Bytes>, headers: &[(&str, &str)]) -> Request<Full<Bytes>> {
    let mut request = fc_request("/invoke");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .body(Full::new(body.into()))
        .expect("a valid request")
}
