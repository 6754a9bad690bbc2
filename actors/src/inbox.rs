//! Inbox: how a channel or user actor reaches one session without ever waiting on it.

use crate::metrics::Metrics;
use crate::session::{Control, Deliver};
use actix::prelude::*;
use herald_proto::close;

/// A session's two mailboxes: events, and control (kick, watch bookkeeping).
#[derive(Clone)]
pub struct Inbox {
    pub deliver: Recipient<Deliver>,
    pub control: Recipient<Control>,
}

impl Inbox {
    /// Offers a frame with `try_send`. A full mailbox means the session cannot keep up: the frame
    /// is counted as dropped and the session is told to close with a reconnect code, so the
    /// client re-syncs instead of silently missing events. Returns false when the session is gone.
    pub fn offer(&self, msg: Deliver, metrics: &Metrics) -> bool {
        match self.deliver.try_send(msg) {
            Ok(()) => true,
            Err(SendError::Full(_)) => {
                Metrics::incr(&metrics.deliveries_dropped_mailbox_full);
                self.control.do_send(Control::Kick { code: close::SLOW_CONSUMER, reason: "slow consumer: mailbox full" });
                true
            }
            Err(SendError::Closed(_)) => false,
        }
    }
}
