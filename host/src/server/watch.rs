//! What the server watches on each connection, below hyper:
//!
//! - **A request head must arrive within the header-read timeout**, counted from its
//!   first byte; a connection that is idle between requests (a complete keep-alive
//!   connection) is never timed out, since the platform keeps those open for long.
//! - **hyper's own answers to unparsable heads** (400, 414, 431, written before any
//!   request reaches the router) are replaced by FC's `400 InvalidArgument` JSON.
//!
//! [`Watched`] wraps the socket and sees every byte read and written; [`Watch`] is
//! shared with the connection's service, which says when a request starts and ends.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// The state of one connection, shared by its socket wrapper and its service.
#[derive(Debug)]
pub(crate) struct Watch {
    opened: Instant,
    /// Milliseconds (since `opened`, plus one) when the first byte of a head arrived
    /// that has not been parsed yet; 0 when none is pending.
    head_since: AtomicU64,
    /// Requests being served (head parsed, response or request body not finished).
    busy: AtomicU64,
    /// Whether the current request's body has all arrived.
    body_complete: AtomicBool,
    /// Whether bytes arrived after that: they start the next head.
    early_head: AtomicBool,
    head_started: Notify,
}

impl Watch {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Watch {
            opened: Instant::now(),
            head_since: AtomicU64::new(0),
            busy: AtomicU64::new(0),
            body_complete: AtomicBool::new(false),
            early_head: AtomicBool::new(false),
            head_started: Notify::new(),
        })
    }

    fn now(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    /// Bytes arrived: when no request is being served they are (part of) a head; when
    /// the current request's body is complete, they start the next one.
    fn bytes_arrived(&self) {
        if self.busy.load(Ordering::Acquire) == 0 {
            self.start_head();
        } else if self.body_complete.load(Ordering::Acquire) {
            self.early_head.store(true, Ordering::Release);
        }
    }

    fn start_head(&self) {
        if self
            .head_since
            .compare_exchange(0, self.now(), Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.head_started.notify_one();
        }
    }

    /// A head was parsed: the router has a request.
    pub(crate) fn request_started(&self) {
        self.busy.fetch_add(1, Ordering::AcqRel);
        self.head_since.store(0, Ordering::Release);
        self.body_complete.store(false, Ordering::Release);
        self.early_head.store(false, Ordering::Release);
    }

    /// The request's body has all arrived: later bytes belong to the next head.
    pub(crate) fn body_done(&self) {
        self.body_complete.store(true, Ordering::Release);
    }

    /// The request is finished (response sent, body read or abandoned).
    pub(crate) fn request_finished(&self) {
        if self.busy.fetch_sub(1, Ordering::AcqRel) == 1 && self.early_head.load(Ordering::Acquire)
        {
            self.start_head();
        }
    }

    /// Resolves when a head has been arriving for longer than `timeout`.
    ///
    /// Woken by a head that starts while the connection was idle, the watcher then
    /// stays awake for a `timeout` (or until that head's due time) before it parks
    /// again: on a busy connection heads start and are parsed before it runs, and
    /// parking at once would have every request wake it for nothing.
    pub(crate) async fn head_timed_out(&self, timeout: Duration) {
        loop {
            if self.head_since.load(Ordering::Acquire) == 0 {
                self.head_started.notified().await;
            }
            let since = self.head_since.load(Ordering::Acquire);
            if since == 0 {
                // Parsed already. A head that starts during the sleep is due no
                // earlier than the sleep ends, and is found then.
                tokio::time::sleep(timeout).await;
                continue;
            }
            let due = self.opened + Duration::from_millis(since - 1) + timeout;
            tokio::time::sleep_until(due.into()).await;
            if self.head_since.load(Ordering::Acquire) == since {
                return;
            }
        }
    }
}

/// A socket whose reads and writes the [`Watch`] sees.
pub(crate) struct Watched<S> {
    inner: S,
    watch: Arc<Watch>,
    /// FC's answer replacing hyper's, still to be written.
    replacement: Option<(Vec<u8>, usize)>,
    rejection: Vec<u8>,
}

impl<S> Watched<S> {
    /// Wraps `inner`; `rejection` is the whole HTTP response written instead of
    /// hyper's own answer to an unparsable head.
    pub(crate) fn new(inner: S, watch: Arc<Watch>, rejection: Vec<u8>) -> Self {
        Watched {
            inner,
            watch,
            replacement: None,
            rejection,
        }
    }

    /// Whether `bytes` start hyper's automatic answer to an unparsable head: one of
    /// its statuses, with an empty body and no content type (every answer of the
    /// router has a content type or a body).
    fn is_hypers_rejection(bytes: &[u8]) -> bool {
        const AUTOMATIC: [&[u8]; 3] = [b"HTTP/1.1 400 ", b"HTTP/1.1 414 ", b"HTTP/1.1 431 "];
        if !AUTOMATIC.iter().any(|status| bytes.starts_with(status)) {
            return false;
        }
        let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n");
        let head = &bytes[..head_end.unwrap_or(bytes.len())];
        let has = |needle: &[u8]| {
            head.windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle))
        };
        has(b"\r\ncontent-length: 0") && !has(b"\r\ncontent-type:")
    }
}

impl<S: AsyncWrite + Unpin> Watched<S> {
    /// Writes what is left of the replacement; `Ready` once all of it is out.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = &mut self.replacement {
            if *written == bytes.len() {
                self.replacement = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            self.watch.bytes_arrived();
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacement.is_none() && Self::is_hypers_rejection(buf) {
            this.replacement = Some((this.rejection.clone(), 0));
        }
        if this.replacement.is_some() {
            // hyper's answer is swallowed whole; ours goes out in its place.
            ready!(this.poll_replacement(cx))?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &b[..]);
        if self.replacement.is_some() || Self::is_hypers_rejection(first) {
            // Rare: handled one slice at a time through `poll_write`.
            return self.poll_write(cx, first);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    const TIMEOUT: Duration = Duration::from_millis(50);

    /// Whether the watch reports a timed-out head within `wait`.
    async fn times_out(watch: &Watch, wait: Duration) -> bool {
        tokio::time::timeout(wait, watch.head_timed_out(TIMEOUT))
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn an_idle_connection_never_times_out_but_a_started_head_does() {
        let watch = Watch::new();
        assert!(!times_out(&watch, 6 * TIMEOUT).await, "no head started");
        watch.bytes_arrived();
        assert!(times_out(&watch, Duration::from_secs(10)).await);
    }

    #[tokio::test]
    async fn bytes_during_a_request_are_not_a_head_until_its_body_is_done() {
        let watch = Watch::new();
        watch.bytes_arrived();
        watch.request_started();
        watch.bytes_arrived();
        watch.request_finished();
        assert!(
            !times_out(&watch, 6 * TIMEOUT).await,
            "body bytes started no head"
        );
        watch.request_started();
        watch.body_done();
        watch.request_finished();
        assert!(
            !times_out(&watch, 6 * TIMEOUT).await,
            "a finished request starts no head"
        );
        watch.request_started();
        watch.body_done();
        watch.bytes_arrived();
        watch.request_finished();
        assert!(
            times_out(&watch, Duration::from_secs(10)).await,
            "bytes after the body did"
        );
    }

    #[tokio::test]
    async fn a_head_started_while_the_watcher_sleeps_still_times_out() {
        let watch = Watch::new();
        watch.bytes_arrived();
        watch.request_started();
        watch.request_finished();
        // The watcher wakes, finds the head parsed and sleeps; a head starts meanwhile.
        let watcher = tokio::spawn({
            let watch = Arc::clone(&watch);
            async move { watch.head_timed_out(TIMEOUT).await }
        });
        tokio::time::sleep(TIMEOUT / 2).await;
        watch.bytes_arrived();
        tokio::time::timeout(Duration::from_secs(10), watcher)
            .await
            .expect("the head times out")
            .unwrap();
    }

    /// A future that counts its polls.
    struct Counted<F> {
        inner: Pin<Box<F>>,
        polls: Arc<AtomicU64>,
    }

    impl<F: Future> Future for Counted<F> {
        type Output = F::Output;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            self.polls.fetch_add(1, Ordering::Relaxed);
            self.inner.as_mut().poll(cx)
        }
    }

    #[tokio::test]
    async fn heads_parsed_at_once_do_not_wake_the_watcher_each_time() {
        let watch = Watch::new();
        let polls = Arc::new(AtomicU64::new(0));
        let watcher = tokio::spawn(Counted {
            inner: Box::pin({
                let watch = Arc::clone(&watch);
                async move { watch.head_timed_out(Duration::from_secs(60)).await }
            }),
            polls: Arc::clone(&polls),
        });
        for _ in 0..100 {
            watch.bytes_arrived();
            watch.request_started();
            watch.body_done();
            watch.request_finished();
            tokio::task::yield_now().await;
        }
        assert!(polls.load(Ordering::Relaxed) <= 3, "{polls:?} polls");
        watcher.abort();
    }

    #[tokio::test]
    async fn hypers_own_rejection_is_replaced_and_responses_pass() {
        let (mut client, server) = tokio::io::duplex(4096);
        let mut watched = Watched::new(server, Watch::new(), b"FC ANSWER".to_vec());
        let automatic =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        watched.write_all(automatic).await.unwrap();
        let router = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
        watched.write_all(router).await.unwrap();
        drop(watched);
        let mut seen = Vec::new();
        client.read_to_end(&mut seen).await.unwrap();
        assert_eq!(seen, [b"FC ANSWER".as_slice(), router].concat());
    }
}
