//! The outbound byte budget of one socket.
//!
//! actix-web-actors queues written frames without bound until the HTTP layer pulls them, which
//! it does only as fast as the socket drains. [`CountedBody`] wraps the frame stream the
//! WebsocketContext produces and subtracts what the HTTP layer has pulled; the session adds what
//! it writes. The difference is what waits in memory for this client; the session closes a client
//! whose backlog exceeds its budget instead of letting it grow.

use bytes::Bytes;
use futures_util::Stream;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// Bytes written by the session and not yet pulled by the HTTP layer.
#[derive(Debug, Default, Clone)]
pub struct Backlog(Arc<AtomicUsize>);

impl Backlog {
    pub fn add(&self, n: usize) -> usize {
        self.0.fetch_add(n, Ordering::Relaxed) + n
    }
    fn sub(&self, n: usize) {
        let _ = self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| Some(v.saturating_sub(n)));
    }
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// The response body of a WebSocket: the context's frame stream, with pulls counted.
pub struct CountedBody<S> {
    inner: Pin<Box<S>>,
    backlog: Backlog,
}

impl<S> CountedBody<S> {
    pub fn new(inner: S, backlog: Backlog) -> Self {
        CountedBody { inner: Box::pin(inner), backlog }
    }
}

impl<S, E> Stream for CountedBody<S>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    type Item = Result<Bytes, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = self.inner.as_mut().poll_next(cx);
        if let Poll::Ready(Some(Ok(bytes))) = &item {
            self.backlog.sub(bytes.len());
        }
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[actix_rt::test]
    async fn pulled_bytes_leave_the_backlog() {
        let backlog = Backlog::default();
        backlog.add(10);
        let chunks: Vec<Result<Bytes, ()>> = vec![Ok(Bytes::from_static(b"abcd")), Ok(Bytes::from_static(b"efghijklmnop"))];
        let mut body = CountedBody::new(futures_util::stream::iter(chunks), backlog.clone());
        body.next().await;
        assert_eq!(backlog.get(), 6);
        body.next().await;
        assert_eq!(backlog.get(), 0, "saturates at zero (frame headers are counted on pull only)");
    }
}
