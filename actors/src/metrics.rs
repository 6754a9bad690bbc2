//! Counters every part of a node bumps, read by `GET /metrics`. Nothing is lost silently: every
//! drop or refusal has a counter here.

use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! counters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// Node-wide counters (monotonic, relaxed atomics).
        #[derive(Debug, Default)]
        pub struct Metrics { $($(#[$doc])* pub $name: AtomicU64,)* }

        impl Metrics {
            /// `(name, value)` for every counter, for the metrics endpoint.
            pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
                vec![$((stringify!($name), self.$name.load(Ordering::Relaxed)),)*]
            }
        }
    };
}

counters! {
    /// WebSocket connections accepted (handshake sent).
    connections_opened,
    /// WebSocket connections closed for any reason.
    connections_closed,
    /// Sockets refused at the handshake (bad key, bad token).
    connections_rejected,
    /// Events published onto the bus.
    events_published,
    /// Publications received from the bus and routed to a local actor.
    publications_routed,
    /// Frames written to sockets.
    frames_delivered,
    /// Frames not delivered because a session's mailbox was full (the session is then closed).
    deliveries_dropped_mailbox_full,
    /// Sessions closed because their outbound byte budget ran out (slow consumers).
    slow_consumers_closed,
    /// Sessions closed because the client stopped answering.
    clients_timed_out,
    /// Publishes that failed on the bus (the caller got an error).
    bus_publish_failures,
    /// Inbound socket frames refused with an error frame.
    inbound_frames_rejected,
    /// Events refused by validation or permission checks (REST and socket).
    events_rejected,
    /// Cluster: times this node's Redis subscription link broke (publications on the node's
    /// topics in the gap until it was re-established are lost for this node's clients).
    bus_links_lost,
    /// Cluster: times the subscription link was re-established and every topic resubscribed.
    bus_resubscribes,
    /// Cluster: publications received from Redis that could not be decoded (dropped).
    bus_undecodable,
    /// Cluster: node heartbeats that failed to reach Redis.
    node_heartbeat_failures,
    /// Cluster: other nodes this node found dead and cleaned up after.
    nodes_reaped,
    /// Cluster: connections of dead nodes removed (with their watching/presence events).
    reaped_connections,
    /// Connection or watch changes the Store missed (it was unreachable); each is made good by the
    /// next reconciliation (cluster liveness).
    connection_changes_unrecorded,
    /// Cluster: times this node made Redis agree with its live connections (after its start,
    /// an outage, or a loss of its records).
    node_reconciliations,
    /// `user.unread_message_reminder` events this node sent (each user once per unread period
    /// over every node).
    unread_reminders_sent,
    /// Passes of this node's unread-reminder loop (each looks at every due user once).
    unread_reminder_passes,
    /// Webhooks: deliveries queued (one per event and endpoint).
    webhook_jobs_queued,
    /// Webhooks: events dropped because this node's webhook intake queue was full.
    webhook_events_dropped,
    /// Webhooks: deliveries that could not be queued (the queue's store failed).
    webhook_enqueue_failures,
    /// Webhooks: deliveries the endpoint accepted (2xx).
    webhook_deliveries,
    /// Webhooks: attempts that failed (non-2xx, timeout, connection error).
    webhook_attempts_failed,
    /// Webhooks: deliveries given up after their last attempt (listed in the dead letters).
    webhook_dead_letters,
    /// Webhooks: dead letters queued again (`POST /webhooks/dead_letters/replay`).
    webhook_dead_letters_replayed,
}

impl Metrics {
    pub fn incr(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
