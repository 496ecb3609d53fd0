//! Sockets: the TCP listener, one hyper HTTP/1.1 connection task per client, and
//! graceful shutdown, with the bounds that keep the host in control whatever clients
//! do: at most `max_connections` connections (more wait in the kernel's backlog), a
//! request head must arrive within the header-read timeout and fit the head limit,
//! and accept errors (a full descriptor table) never spin or flood the log. Idle
//! keep-alive connections are never closed on a timer: the platform keeps them open.

mod body;
mod watch;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use self::body::{FinishOnDrop, WatchedBody};
use self::watch::{Watch, Watched};
use crate::reload::Reloader;
use crate::reply::PeerAddr;
use crate::router::Router;

/// How long in-flight requests may take to finish once shutdown starts.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// Default most open connections: far more than the platform ever opens to one
/// instance, few enough to leave the process descriptors to spare.
pub(crate) const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// Most header lines in a request head (hyper's default is 100; FC counts bytes).
const MAX_HEADER_LINES: usize = 1024;
/// Bytes a head may hold beyond the header and path limits: the request line's method
/// and version, and the `: ` and CRLF of each header line.
const HEAD_FRAMING: usize = 4 * MAX_HEADER_LINES + 64;

/// The bounds on connections and request heads.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ServerLimits {
    /// Most open connections.
    pub(crate) max_connections: usize,
    /// How long a request head may take to arrive.
    pub(crate) header_read_timeout: Duration,
    /// Most bytes of a request head as received (its buffer never grows past it).
    pub(crate) max_head_bytes: usize,
}

impl ServerLimits {
    /// The bounds for requests of at most `max_header_bytes` of headers and
    /// `max_path_bytes` of path (heads between FC's limits and this size get FC's
    /// answer from the router; larger ones from the server).
    pub(crate) fn new(
        max_connections: usize,
        header_read_timeout: Duration,
        max_header_bytes: usize,
        max_path_bytes: usize,
    ) -> Self {
        ServerLimits {
            max_connections,
            header_read_timeout,
            max_head_bytes: max_header_bytes + max_path_bytes + HEAD_FRAMING,
        }
    }
}

/// A bound listener and the router it feeds.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    router: Arc<Router>,
    reloader: Arc<Reloader>,
    limits: ServerLimits,
    connections: Arc<Semaphore>,
}

/// Binds `addr` (port 0 picks a free port).
pub(crate) async fn listen(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on `{addr}`"))
}

impl Server {
    /// A server of `router` on `listener`.
    pub(crate) fn new(
        listener: TcpListener,
        router: Arc<Router>,
        reloader: Arc<Reloader>,
        limits: ServerLimits,
    ) -> Self {
        Server {
            listener,
            router,
            reloader,
            connections: Arc::new(Semaphore::new(limits.max_connections)),
            limits,
        }
    }

    /// Reloads the module this server runs.
    pub fn reloader(&self) -> &Arc<Reloader> {
        &self.reloader
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The router behind the server.
    pub fn router(&self) -> &Arc<Router> {
        &self.router
    }

    /// Accepts connections until `shutdown` resolves, then lets open connections finish
    /// their in-flight requests (at most [`SHUTDOWN_GRACE`]).
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let graceful = GracefulShutdown::new();
        let mut failures = AcceptFailures::default();
        tokio::pin!(shutdown);
        loop {
            let slot = tokio::select! {
                slot = Arc::clone(&self.connections).acquire_owned() => slot,
                () = &mut shutdown => break,
            };
            let Ok(slot) = slot else { break };
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, peer)) => self.serve(stream, peer, slot, &graceful),
                    Err(error) => failures.pause(error).await,
                },
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("in-flight requests did not finish within {SHUTDOWN_GRACE:?}");
        }
    }

    fn serve(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
        slot: OwnedSemaphorePermit,
        graceful: &GracefulShutdown,
    ) {
        let _ = stream.set_nodelay(true);
        let watch = Watch::new();
        let router = Arc::clone(&self.router);
        let requests = Arc::clone(&watch);
        let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let router = Arc::clone(&router);
            let watch = Arc::clone(&requests);
            async move {
                watch.request_started();
                let finished = FinishOnDrop::new(Arc::clone(&watch));
                let (mut parts, body) = request.into_parts();
                parts.extensions.insert(PeerAddr(peer));
                let body = WatchedBody::new(body, Arc::clone(&watch));
                let response = router.handle(hyper::Request::from_parts(parts, body)).await;
                Ok::<_, Infallible>(response.map(|body| finished.around(body)))
            }
        });
        let socket = Watched::new(stream, Arc::clone(&watch), rejection(&self.limits));
        let connection = http1::Builder::new()
            .keep_alive(true)
            .max_headers(MAX_HEADER_LINES)
            .max_header_size(self.limits.max_head_bytes)
            .serve_connection(TokioIo::new(socket), service);
        let connection = graceful.watch(connection);
        // The head timer is a task of its own, so the connection's task, woken by every
        // read and write, does not poll the timer each time too.
        let (ended, connection_ended) = tokio::sync::oneshot::channel::<()>();
        let connection = tokio::spawn(async move {
            let (_slot, _ended) = (slot, ended);
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
        let close = connection.abort_handle();
        let timeout = self.limits.header_read_timeout;
        tokio::spawn(async move {
            tokio::select! {
                () = watch.head_timed_out(timeout) => {
                    tracing::debug!(%peer, "closed a connection whose request head did not arrive within {timeout:?}");
                    close.abort();
                }
                _ = connection_ended => {}
            }
        });
    }
}

/// FC's answer to a head hyper cannot parse (or that is over the head limit), as the
/// whole HTTP response written in place of hyper's own.
fn rejection(limits: &ServerLimits) -> Vec<u8> {
    let error = crate::fc::limits::RequestError::MalformedHead {
        limit: limits.max_head_bytes,
    };
    let response = crate::error::HostError::from(error).to_response(crate::fc::Phase::Invoke);
    let mut bytes = format!("HTTP/1.1 {}\r\n", response.status()).into_bytes();
    for (name, value) in response.headers() {
        bytes.extend_from_slice(name.as_str().as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    let body = response.body();
    bytes.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    bytes.extend_from_slice(body);
    bytes
}

/// Accept errors (out of file descriptors, a reset before accept) are transient: pause
/// briefly so a full descriptor table can drain, and log at most once every few seconds
/// how many there were.
#[derive(Debug, Default)]
struct AcceptFailures {
    since_last_log: u64,
    last_log: Option<Instant>,
}

impl AcceptFailures {
    /// How often the log may say that accepting fails.
    const LOG_EVERY: Duration = Duration::from_secs(5);

    async fn pause(&mut self, error: std::io::Error) {
        if let Some(failures) = self.count(Instant::now()) {
            tracing::warn!(%error, failures, "accept failed");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    /// Counts a failure at `now`; returns how many to log when one is due.
    fn count(&mut self, now: Instant) -> Option<u64> {
        self.since_last_log += 1;
        let due = self
            .last_log
            .is_none_or(|at| now.duration_since(at) >= Self::LOG_EVERY);
        if !due {
            return None;
        }
        self.last_log = Some(now);
        Some(std::mem::take(&mut self.since_last_log))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_failures_are_logged_once_every_few_seconds_with_their_count() {
        let mut failures = AcceptFailures::default();
        let start = Instant::now();
        assert_eq!(failures.count(start), Some(1));
        for ms in (10..4990).step_by(10) {
            assert_eq!(failures.count(start + Duration::from_millis(ms)), None);
        }
        assert_eq!(failures.count(start + AcceptFailures::LOG_EVERY), Some(499));
    }
}
