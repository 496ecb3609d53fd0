//! A small HTTP/1.1 client for the scenarios that talk to a server themselves, and the
//! platform-style requests they send.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// An HTTP/1.1 connection that carries many requests.
#[derive(Debug)]
pub(crate) struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    /// Connects to `addr`.
    pub(crate) async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Connection { sender })
    }

    /// Sends one request and reads the whole response.
    pub(crate) async fn send(
        &mut self,
        request: Request<Full<Bytes>>,
    ) -> anyhow::Result<Response<Bytes>> {
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Response::from_parts(parts, body))
    }
}

/// `POST <control path>` with `x-fc-control-path` and a host.
pub(crate) fn fc_request(control_path: &str) -> http::request::Builder {
    Request::post(control_path)
        .header("host", "127.0.0.1")
        .header("x-fc-control-path", control_path)
}

/// `POST /invoke` as the platform sends it, with extra headers.
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

/// `POST /invoke` with `body`.
pub(crate) fn invoke_request(body: impl Into<Bytes>) -> Request<Full<Bytes>> {
    invoke_with(body, &[])
}

/// `GET path` with `headers` and no body, as a client's request reaches an HTTP
/// function.
pub(crate) fn get_with(path: &str, headers: &[(&str, &str)]) -> Request<Full<Bytes>> {
    let mut request = Request::get(path).header("host", "127.0.0.1");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .body(Full::new(Bytes::new()))
        .expect("a valid request")
}
