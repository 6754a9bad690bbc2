//! The webhook side of the event tap: takes each published event off the event path with a
//! `try_send` into a bounded queue (never awaits); a full queue is counted
//! (`webhook_events_dropped`), never silent. Nothing is copied while no endpoint is configured.
//!
//! Once per logical event: an operation that publishes one event to several topics (a channel
//! ban to the channel and to the banned user, a notification to each member in a loop) hands
//! the same event to the tap several times; copies are recognised among the recent ones by a
//! hash of their encoded bytes (which include `created_at` to the nanosecond) and dropped here.

use herald_actors::chat::tap::{current_request, EventTap, RequestInfo, TapScope};
use herald_actors::metrics::Metrics;
use herald_proto::JsonMap;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Recent fingerprints remembered (copies are published back to back by one operation).
const RECENT: usize = 256;

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
    pub(super) recent: Mutex<VecDeque<(u64, usize)>>,
}

impl Tap {
    /// True when the same bytes were tapped moments ago (a copy); remembers them otherwise.
    fn seen(&self, frame: &str) -> bool {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        frame.hash(&mut h);
        let print = (h.finish(), frame.len());
        let mut recent = self.recent.lock().expect("tap lock");
        if recent.contains(&print) {
            return true;
        }
        if recent.len() >= RECENT {
            recent.pop_front();
        }
        recent.push_back(print);
        false
    }
}

impl EventTap for Tap {
    fn tap(&self, event: &JsonMap, frame: &str, scope: TapScope<'_>) {
        if !self.active.load(Ordering::Relaxed) {
            return;
        }
        let target_user = match scope {
            TapScope::Channel(_) | TapScope::Users(_) => None,
            TapScope::User(id) => Some(id.to_owned()),
            TapScope::Other => return,
        };
        if self.seen(frame) {
            return;
        }
        let tapped = Tapped { event: event.clone(), target_user, request: current_request() };
        if self.tx.try_send(tapped).is_err() {
            Metrics::incr(&self.metrics.webhook_events_dropped);
            tracing::warn!("webhook intake queue full: event dropped (raise webhooks.queue_capacity)");
        }
    }
}
