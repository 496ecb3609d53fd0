//! The bodies the server hands on, watched: a request body says when it has all
//! arrived, a response body when the request is over (it has been sent, or dropped).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use super::watch::Watch;

/// A request body that tells the [`Watch`] when it is complete.
pub(super) struct WatchedBody<B> {
    inner: B,
    watch: Arc<Watch>,
    done: bool,
}

impl<B: Body> WatchedBody<B> {
    pub(super) fn new(inner: B, watch: Arc<Watch>) -> Self {
        let done = inner.is_end_stream();
        if done {
            watch.body_done();
        }
        WatchedBody { inner, watch, done }
    }

    fn finish(&mut self) {
        if !self.done {
            self.done = true;
            self.watch.body_done();
        }
    }
}

impl<B: Body + Unpin> Body for WatchedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let frame = std::task::ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if frame.is_none() || self.inner.is_end_stream() {
            self.finish();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Drop for WatchedBody<B> {
    fn drop(&mut self) {
        if !self.done {
            self.watch.body_done();
        }
    }
}

/// Ends a request in the [`Watch`] when dropped: carried by the response body, which
/// hyper drops once it has sent it (or given up).
pub(super) struct FinishOnDrop(Arc<Watch>);

impl FinishOnDrop {
    pub(super) fn new(watch: Arc<Watch>) -> Self {
        FinishOnDrop(watch)
    }

    /// `body`, ending the request when it goes.
    pub(super) fn around<B>(self, body: B) -> Finishing<B> {
        Finishing { body, _end: self }
    }
}

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// A response body that ends its request when dropped.
pub(crate) struct Finishing<B> {
    body: B,
    _end: FinishOnDrop,
}

impl<B: Body<Data = Bytes> + Unpin> Body for Finishing<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
