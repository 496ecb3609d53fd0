//! Request and response bodies: reading a body under a limit, the capped stream
//! `wasi:http` guests read from, and the one response body type.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::HeaderMap;
use http::header::CONTENT_LENGTH;
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Limited};

use crate::error::HostError;

/// The error type of request bodies the router accepts.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response body: complete (sent with an exact `content-length`) or streamed (a
/// `wasi:http` guest writing as it goes).
#[derive(Debug)]
pub enum HostBody {
    /// The whole body, taken on the first poll.
    Full(Option<Bytes>),
    /// A body produced while the guest runs.
    Stream(UnsyncBoxBody<Bytes, BoxError>),
}

impl Body for HostBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            HostBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            HostBody::Stream(stream) => Pin::new(stream).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            HostBody::Full(bytes) => bytes.is_none(),
            HostBody::Stream(stream) => stream.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            HostBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            HostBody::Stream(stream) => stream.size_hint(),
        }
    }
}

/// The response type of every call.
pub type HostResponse = http::Response<HostBody>;

/// A complete body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> HostBody {
    HostBody::Full(Some(bytes.into()).filter(|b: &Bytes| !b.is_empty()))
}

/// The body length a request declares in `content-length`, if any.
pub(crate) fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The error for a body over `limit` bytes.
pub(crate) fn body_too_large(limit: usize) -> HostError {
    HostError::InvalidArgument(format!(
        "request body is larger than the limit of {limit} bytes"
    ))
}

/// Reads a whole body, refusing it as soon as it grows past `limit` bytes.
pub(crate) async fn read_body<B>(body: B, limit: usize) -> Result<Bytes, HostError>
where
    B: Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error)
            if error
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(body_too_large(limit))
        }
        Err(error) => Err(HostError::InvalidArgument(format!(
            "cannot read the request body: {error}"
        ))),
    }
}

/// Why a capped body stopped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CapError {
    /// More than the limit passed.
    #[error("body is larger than the limit of {0} bytes")]
    TooLarge(u64),
    /// The underlying body failed.
    #[error(transparent)]
    Inner(BoxError),
}

impl From<CapError> for wasmtime_wasi_http::Error {
    fn from(error: CapError) -> Self {
        match error {
            CapError::TooLarge(limit) => {
                wasmtime_wasi_http::Error::HttpRequestBodySize(Some(limit))
            }
            CapError::Inner(error) => {
                wasmtime_wasi_http::Error::InternalError(Some(error.to_string()))
            }
        }
    }
}

/// A body streamed to or from a guest: it fails once more than `limit` bytes have
/// passed, and records that it did (so a refused request can be answered 400).
#[derive(Debug)]
pub(crate) struct CappedBody<B> {
    inner: B,
    remaining: u64,
    limit: u64,
    exceeded: Arc<AtomicBool>,
}

impl<B> CappedBody<B> {
    /// Caps `inner` at `limit` bytes; `exceeded` turns true when it goes over.
    pub(crate) fn new(inner: B, limit: usize, exceeded: Arc<AtomicBool>) -> Self {
        let limit = limit as u64;
        CappedBody {
            inner,
            remaining: limit,
            limit,
            exceeded,
        }
    }
}

impl<B> Body for CappedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = CapError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = match ready!(Pin::new(&mut self.inner).poll_frame(cx)) {
            None => return Poll::Ready(None),
            Some(Err(error)) => return Poll::Ready(Some(Err(CapError::Inner(error.into())))),
            Some(Ok(frame)) => frame,
        };
        if let Some(data) = frame.data_ref() {
            match self.remaining.checked_sub(data.len() as u64) {
                Some(remaining) => self.remaining = remaining,
                None => {
                    self.exceeded.store(true, Ordering::Relaxed);
                    return Poll::Ready(Some(Err(CapError::TooLarge(self.limit))));
                }
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    async fn capped(size: usize, limit: usize) -> (bool, bool) {
        let exceeded = Arc::new(AtomicBool::new(false));
        let body = CappedBody::new(
            Full::new(Bytes::from(vec![7; size])),
            limit,
            Arc::clone(&exceeded),
        );
        let ok = body.collect().await.is_ok();
        (ok, exceeded.load(Ordering::Relaxed))
    }

    #[tokio::test]
    async fn capped_body_passes_the_limit_and_flags_one_more_byte() {
        assert_eq!(capped(10, 10).await, (true, false));
        assert_eq!(capped(11, 10).await, (false, true));
    }

    #[tokio::test]
    async fn read_body_accepts_the_limit_and_refuses_one_more_byte() {
        assert_eq!(
            read_body(Full::new(Bytes::from(vec![1; 10])), 10)
                .await
                .unwrap()
                .len(),
            10
        );
        let err = read_body(Full::new(Bytes::from(vec![1; 11])), 10)
            .await
            .unwrap_err();
        assert!(matches!(err, HostError::InvalidArgument(_)), "{err}");
    }

    #[test]
    fn declared_length_reads_content_length() {
        let mut headers = HeaderMap::new();
        assert_eq!(declared_length(&headers), None);
        headers.insert(CONTENT_LENGTH, "42".parse().unwrap());
        assert_eq!(declared_length(&headers), Some(42));
    }
}
