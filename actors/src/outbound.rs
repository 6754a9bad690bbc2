//! Closing a stalled socket from outside its session.
//!
//! actix-web-actors runs a SessionActor inside its WebSocket's response body: the actor is polled
//! only when the HTTP layer pulls the body, which it does only while the socket drains. A client
//! that stops reading therefore stalls its own session entirely — mailbox, timers, a queued kick —
//! while its mailbox bounds what waits for it. The one lever left is the socket itself:
//! [`SocketHandle::shutdown`] shuts the connection down, the HTTP layer sees the error, drops the
//! connection, and the session stops and cleans up. Channel and user actors pull this lever when
//! a session's mailbox overflows ([`crate::inbox::Inbox::offer`]).
//!
//! Soundness: the handle holds the connection's raw fd (no dup, so no extra descriptor per
//! connection). [`WsBody`] clears it when dropped, under the same lock `shutdown` takes. The
//! HTTP/1 dispatcher drops a response body before it drops (and closes) the connection's I/O,
//! so the fd is always the connection's own while the handle holds it. Checked against
//! actix-http 3.20 (pinned in Cargo.lock): `InnerDispatcher` declares `state` (which owns the
//! body) before `io` and has no `Drop` of its own; the one path that moves `io` out early is the
//! HTTP upgrade service, which actix-web does not install. Re-check on an actix-http upgrade.

use bytes::Bytes;
use futures_util::Stream;
use std::os::fd::{BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// The raw fd of an accepted connection, stored in its connection data by the server.
#[derive(Debug, Clone, Copy)]
pub struct SocketFd(pub RawFd);

/// A way to shut a connection down while it is alive. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct SocketHandle(Arc<Mutex<Option<RawFd>>>);

impl SocketHandle {
    pub fn new(fd: Option<SocketFd>) -> Self {
        SocketHandle(Arc::new(Mutex::new(fd.map(|f| f.0))))
    }

    /// Shuts the connection down (both directions). True the first time, false when it was
    /// already shut down or gone.
    pub fn shutdown(&self) -> bool {
        let mut slot = self.0.lock().expect("socket handle lock poisoned");
        let Some(fd) = slot.take() else { return false };
        // SAFETY: `fd` is the open socket of a live connection: WsBody clears the slot under
        // this lock before the dispatcher closes the fd (see module docs).
        let socket = unsafe { BorrowedFd::borrow_raw(fd) };
        if let Err(e) = socket2::SockRef::from(&socket).shutdown(std::net::Shutdown::Both) {
            tracing::debug!(error = %e, "shutdown of a stalled socket failed");
        }
        true
    }

    fn release(&self) {
        self.0.lock().expect("socket handle lock poisoned").take();
    }
}

/// A WebSocket response body: the context's frame stream, releasing the socket handle on drop.
pub struct WsBody<S> {
    inner: Pin<Box<S>>,
    socket: SocketHandle,
}

impl<S> WsBody<S> {
    pub fn new(inner: S, socket: SocketHandle) -> Self {
        WsBody { inner: Box::pin(inner), socket }
    }
}

impl<S> Drop for WsBody<S> {
    fn drop(&mut self) {
        self.socket.release();
    }
}

impl<S, E> Stream for WsBody<S>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    type Item = Result<Bytes, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::AsRawFd;

    #[test]
    fn shutdown_once_then_released() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let handle = SocketHandle::new(Some(SocketFd(server.as_raw_fd())));
        assert!(handle.shutdown());
        assert!(!handle.shutdown());
        let mut buf = [0u8; 1];
        assert_eq!(client.read(&mut buf).unwrap(), 0, "the peer sees the connection end");
        let body = WsBody::new(futures_util::stream::empty::<Result<Bytes, ()>>(), SocketHandle::new(Some(SocketFd(server.as_raw_fd()))));
        let handle = body.socket.clone();
        drop(body);
        assert!(!handle.shutdown(), "a dropped body releases the fd");
    }
}
