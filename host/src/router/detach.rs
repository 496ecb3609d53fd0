//! A future that is not cancelled by being dropped: when the client of a call goes
//! away, hyper drops the request's future; the call then goes on in a task of its own,
//! so the guest finishes, its instance is settled and its End line written.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs `F` to completion even if this future is dropped first.
pub(super) struct Detached<F: Future<Output: Send + 'static> + Send + 'static> {
    inner: Option<Pin<Box<F>>>,
}

impl<F: Future<Output: Send + 'static> + Send + 'static> Detached<F> {
    pub(super) fn new(future: F) -> Self {
        Detached {
            inner: Some(Box::pin(future)),
        }
    }
}

impl<F: Future<Output: Send + 'static> + Send + 'static> Future for Detached<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let Some(inner) = self.inner.as_mut() else {
            // Only polled again after completion by a misbehaving caller.
            return Poll::Pending;
        };
        let output = std::task::ready!(inner.as_mut().poll(cx));
        self.inner = None;
        Poll::Ready(output)
    }
}

impl<F: Future<Output: Send + 'static> + Send + 'static> Drop for Detached<F> {
    fn drop(&mut self) {
        if let Some(unfinished) = self.inner.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(unfinished);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn a_dropped_future_still_runs_to_its_end() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&finished);
        let slow = Detached::new(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            flag.store(true, Ordering::SeqCst);
        });
        // Poll it once (the call has started), then drop it, as hyper does.
        let _ = tokio::time::timeout(Duration::from_millis(5), slow).await;
        assert!(!finished.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(finished.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_finished_future_gives_its_output() {
        assert_eq!(Detached::new(async { 7 }).await, 7);
    }
}
