//! The webhook side of the event tap: takes each published event off the event path with a
//! `try_send` into a bounded queue (never awaits); a full queue is counted
//! (`webhook_events_dropped`), never silent. Nothing is copied while no endpoint is configured.

use herald_actors::chat::tap::{current_request, EventTap, RequestInfo, TapScope};
use herald_actors::metrics::Metrics;
use herald_proto::JsonMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// An event on its way to the dispatcher.
pub struct Tapped {
    pub event: JsonMap,
    /// The user a user-targeted event went to.
    pub target_user: Option<String>,
    pub request: Option<Arc<RequestInfo>>,
}

pub struct Tap {
    pub(super) tx: mpsc::Sender<Tapped>,
    /// Whether any endpoint is configured (refreshed from the Store).
    pub(super) active: Arc<AtomicBool>,
    pub(super) metrics: Arc<Metrics>,
}

impl EventTap for Tap {
    fn tap(&self, event: &JsonMap, scope: TapScope<'_>) {
        if !self.active.load(Ordering::Relaxed) {
            return;
        }
        let target_user = match scope {
            TapScope::Channel(_) | TapScope::Users(_) => None,
            TapScope::User(id) => Some(id.to_owned()),
            TapScope::Other => return,
        };
        let tapped = Tapped { event: event.clone(), target_user, request: current_request() };
        if self.tx.try_send(tapped).is_err() {
            Metrics::incr(&self.metrics.webhook_events_dropped);
            tracing::warn!("webhook intake queue full: event dropped (raise webhooks.queue_capacity)");
        }
    }
}
