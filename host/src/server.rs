//! Sockets: the TCP listener, one hyper HTTP/1.1 connection task per client, and
//! graceful shutdown. Idle keep-alive connections are never closed on a timer (the
//! platform keeps them open for long periods), so no hyper timer is configured.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};

use crate::reload::Reloader;
use crate::reply::PeerAddr;
use crate::router::Router;

/// How long in-flight requests may take to finish once shutdown starts.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A bound listener and the router it feeds.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    router: Arc<Router>,
    reloader: Arc<Reloader>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port).
    pub(crate) async fn bind(
        addr: SocketAddr,
        router: Arc<Router>,
        reloader: Arc<Reloader>,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on `{addr}`"))?;
        Ok(Server {
            listener,
            router,
            reloader,
        })
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
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, peer)) => self.serve(stream, peer, &graceful),
                    Err(error) => accept_failed(error).await,
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

    fn serve(&self, stream: TcpStream, peer: SocketAddr, graceful: &GracefulShutdown) {
        let _ = stream.set_nodelay(true);
        let router = Arc::clone(&self.router);
        let service = service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            let router = Arc::clone(&router);
            request.extensions_mut().insert(PeerAddr(peer));
            async move { Ok::<_, Infallible>(router.handle(request).await) }
        });
        let connection = http1::Builder::new()
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}

/// Accept errors (out of file descriptors, a reset before accept) are transient:
/// log, pause briefly so a full descriptor table can drain, and carry on.
async fn accept_failed(error: std::io::Error) {
    tracing::warn!(%error, "accept failed");
    tokio::time::sleep(Duration::from_millis(10)).await;
}
