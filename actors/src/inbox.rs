//! Inbox: how a channel or user actor reaches one session without ever waiting on it.

use crate::metrics::Metrics;
use crate::outbound::SocketHandle;
use crate::session::{Control, Deliver};
use actix::prelude::*;
use herald_proto::close;

/// A session's two mailboxes: events, and control (kick, watch bookkeeping).
#[derive(Clone)]
pub struct Inbox {
    pub deliver: Recipient<Deliver>,
    pub control: Recipient<Control>,
    /// The session's socket, for closing it when the session itself is stalled.
    pub socket: SocketHandle,
}

impl Inbox {
    /// Offers a frame with `try_send`. A full mailbox means the client cannot keep up: the frame
    /// is counted as dropped and the connection is closed — a kick (close 4001) for a session
    /// that still runs, and a socket shutdown for one stalled behind its unread socket — so the
    /// client reconnects and re-syncs instead of silently missing events. Returns false when the
    /// session is gone.
    pub fn offer(&self, msg: Deliver, metrics: &Metrics) -> bool {
        match self.deliver.try_send(msg) {
            Ok(()) => true,
            Err(SendError::Full(_)) => {
                Metrics::incr(&metrics.deliveries_dropped_mailbox_full);
                self.control.do_send(Control::Kick { code: close::SLOW_CONSUMER, reason: "slow consumer: mailbox full" });
                if self.socket.shutdown() {
                    Metrics::incr(&metrics.slow_consumers_closed);
                    tracing::info!("closed a slow consumer whose mailbox was full");
                }
                true
            }
            Err(SendError::Closed(_)) => false,
        }
    }
}
