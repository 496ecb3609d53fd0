//! Request and response bodies: the request body of a call (read whole under its
//! limit and deadline, or streamed to a `wasi:http` guest through a cap), and the one
//! response body type.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::HeaderMap;
use http::header::CONTENT_LENGTH;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;

use crate::fc::limits::RequestError;

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

/// A response with no body (success of a lifecycle call).
pub(crate) fn empty_response() -> HostResponse {
    http::Response::new(full(Bytes::new()))
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

/// Reading a whole request body (a named, boxed future: it keeps the body's error
/// conversions out of the futures that await it).
pub(crate) type BodyRead =
    Pin<Box<dyn std::future::Future<Output = Result<Bytes, RequestError>> + Send>>;

/// The request body of one call, not yet read, with the limit it must fit.
pub(crate) struct RequestBody {
    inner: UnsyncBoxBody<Bytes, BoxError>,
    limit: usize,
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBody")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl RequestBody {
    /// `body`, which may carry at most `limit` bytes.
    pub(crate) fn new<B>(body: B, limit: usize) -> Self
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        RequestBody {
            inner: body.map_err(Into::into).boxed_unsync(),
            limit,
        }
    }

    /// Reads the whole body, refusing it as soon as it grows past its limit, and
    /// giving up when it has not all arrived within `deadline`.
    pub(crate) fn read(self, deadline: Option<std::time::Duration>) -> BodyRead {
        let collect = collect(self.inner, self.limit);
        Box::pin(async move {
            match deadline {
                Some(deadline) => tokio::time::timeout(deadline, collect)
                    .await
                    .map_err(|_| RequestError::BodyTimedOut { limit: deadline })?,
                None => collect.await,
            }
        })
    }

    /// The body as a stream that fails past the limit; the flag turns true if it does.
    pub(crate) fn capped(self) -> (CappedBody<UnsyncBoxBody<Bytes, BoxError>>, Arc<AtomicBool>) {
        let exceeded = Arc::new(AtomicBool::new(false));
        let body = CappedBody::new(self.inner, self.limit, Arc::clone(&exceeded));
        (body, exceeded)
    }

    /// The limit this body must fit.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }
}

/// Collects a body of at most `limit` bytes (one chunk is kept as it came, without a
/// copy).
async fn collect(
    mut body: UnsyncBoxBody<Bytes, BoxError>,
    limit: usize,
) -> Result<Bytes, RequestError> {
    let mut first: Option<Bytes> = None;
    let mut rest: Vec<u8> = Vec::new();
    let mut size = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| RequestError::UnreadableBody(error.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        size = size.saturating_add(data.len());
        if size > limit {
            return Err(RequestError::BodyTooLarge { limit });
        }
        match &first {
            None if rest.is_empty() => first = Some(data),
            _ => {
                if let Some(first) = first.take() {
                    rest.extend_from_slice(&first);
                }
                rest.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| rest.into()))
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
    fn body_of(size: usize, limit: usize) -> RequestBody {
        RequestBody::new(Full::new(Bytes::from(vec![1; size])), limit)
    }

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
    async fn a_body_is_read_up_to_its_limit_and_refused_one_byte_over() {
        assert_eq!(body_of(10, 10).read(None).await.unwrap().len(), 10);
        let err = body_of(11, 10).read(None).await.unwrap_err();
        assert_eq!(err, RequestError::BodyTooLarge { limit: 10 });
    }

    #[tokio::test]
    async fn a_body_that_stops_arriving_times_out() {
        // The sender is held and never sends.
        let (_sender, stalled) = http_body_util::Channel::<Bytes, BoxError>::new(1);
        let body = RequestBody::new(stalled, 100);
        let err = body
            .read(Some(std::time::Duration::from_millis(20)))
            .await
            .unwrap_err();
        assert!(matches!(err, RequestError::BodyTimedOut { .. }), "{err}");
    }

    #[test]
    fn declared_length_reads_content_length() {
        let mut headers = HeaderMap::new();
        assert_eq!(declared_length(&headers), None);
        headers.insert(CONTENT_LENGTH, "42".parse().unwrap());
        assert_eq!(declared_length(&headers), Some(42));
    }
}
