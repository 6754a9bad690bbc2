//! Node liveness: one task per cluster node that heartbeats into Redis and cleans up after nodes
//! that died without goodbye.
//!
//! Timing, with `T` = `cluster.node_timeout_secs`: the node heartbeats every `T/6`; its alive
//! key expires `5T/6` after the last heartbeat; every node checks for expired peers at each of
//! its own heartbeats. So a node killed with -9 is found within `T` (expiry + one check
//! interval). Exactly one survivor claims each dead node (SREM) and publishes, for every
//! connection the dead node held, the `user.watching.stop` and `user.presence.changed` events
//! its own close would have published ([`Chat::forget_connection`]).
//!
//! Safety valves: a node judges others, and reconciles itself, only after `5T/6` (and at least
//! one Redis timeout plus two intervals) of unbroken contact with Redis, so after an outage every
//! live node has heartbeated and resubscribed before anything is published about it.
//! Reconciliation (after start, after every outage, after Redis lost the node's records): the
//! node records its live connections and watches again where Redis lacks them (it was taken for
//! dead, Redis lost its data, a watch failed mid-outage) and removes records of its own
//! connections that are gone (closed while Redis was away, or left by its previous incarnation
//! with the same node id), publishing the events either change means. On graceful stop, [`Liveness::goodbye`] removes the
//! node's records after its sockets were closed.

use super::store::RedisStore;
use herald_actors::chat::Chat;
use herald_actors::metrics::Metrics;
use herald_actors::registry::Snapshot;
use herald_actors::store::Store;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// The handle of a node's liveness task.
#[derive(Clone)]
pub struct Liveness {
    goodbye: mpsc::Sender<oneshot::Sender<()>>,
}

struct Task {
    store: Arc<RedisStore>,
    chat: Chat,
    metrics: Arc<Metrics>,
    interval: Duration,
    ttl: Duration,
    /// Unbroken contact needed before judging others (see the module docs).
    judge_after: Duration,
}

impl Liveness {
    /// Starts the task for the node `store` belongs to; `redis_timeout` bounds one Redis call.
    pub fn start(store: Arc<RedisStore>, chat: Chat, node_timeout: Duration, redis_timeout: Duration) -> Liveness {
        let interval = (node_timeout / 6).max(Duration::from_millis(100));
        let ttl = node_timeout - interval;
        // a peer's first heartbeat after an outage comes at most one failed call and one
        // interval after Redis is back: wait at least that, and a whole key lifetime
        let judge_after = ttl.max(redis_timeout + 2 * interval);
        let task = Task { metrics: chat.metrics(), store, chat, interval, ttl, judge_after };
        let (goodbye, requests) = mpsc::channel(1);
        actix::spawn(task.run(requests));
        Liveness { goodbye }
    }

    /// Stops heartbeating and removes this node's records (after its sockets were closed).
    pub async fn goodbye(&self) {
        let (done, wait) = oneshot::channel();
        if self.goodbye.send(done).await.is_ok() {
            let _ = wait.await;
        }
    }
}

impl Task {
    async fn run(self, mut goodbye: mpsc::Receiver<oneshot::Sender<()>>) {
        let mut seeded = false;
        let mut reconciled = false;
        let mut contact_since: Option<Instant> = None;
        let mut links_lost = 0;
        loop {
            if self.chat.take_unrecorded() {
                reconciled = false; // a connection change missed the Store
            }
            let lost = self.metrics.bus_links_lost.load(std::sync::atomic::Ordering::Relaxed);
            if lost != links_lost {
                // Redis went away, perhaps between two heartbeats: give every node time to
                // resubscribe before publishing anything the reconciliation finds
                links_lost = lost;
                contact_since = None;
            }
            match self.store.heartbeat(self.ttl).await {
                Ok(was_missing) => {
                    if !seeded || was_missing {
                        match self.store.seed_channel_types(&herald_actors::clock::now()).await {
                            Ok(()) => seeded = true,
                            Err(e) => tracing::warn!(error = %e, "could not write the built-in channel types"),
                        }
                    }
                    reconciled &= !was_missing;
                    let since = *contact_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= self.judge_after {
                        if !reconciled {
                            self.reconcile().await;
                            reconciled = true;
                        }
                        self.reap_dead().await;
                    }
                }
                Err(e) => {
                    Metrics::incr(&self.metrics.node_heartbeat_failures);
                    contact_since = None;
                    reconciled = false;
                    tracing::warn!(error = %e, "node heartbeat failed");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(self.interval) => {}
                request = goodbye.recv() => {
                    self.clean_up(self.store.node(), false).await;
                    if let Err(e) = self.store.forget_node(self.store.node()).await {
                        tracing::warn!(error = %e, "could not remove this node's records at goodbye");
                    }
                    if let Some(done) = request {
                        let _ = done.send(());
                    }
                    return;
                }
            }
        }
    }

    async fn reap_dead(&self) {
        let dead = match self.store.dead_nodes().await {
            Ok(dead) => dead,
            Err(e) => return tracing::warn!(error = %e, "could not list dead nodes"),
        };
        for node in dead {
            match self.store.claim_dead_node(&node).await {
                Ok(true) => {
                    let removed = self.clean_up(&node, false).await;
                    Metrics::incr(&self.metrics.nodes_reaped);
                    tracing::warn!(%node, connections = removed, "node stopped heartbeating: its connections were removed");
                    if let Err(e) = self.store.forget_node(&node).await {
                        tracing::warn!(%node, error = %e, "could not remove a dead node's records");
                    }
                }
                Ok(false) => {} // another node claimed it
                Err(e) => tracing::warn!(%node, error = %e, "could not claim a dead node"),
            }
        }
    }

    /// Removes the connections recorded for `node` (with their events); with `keep_local`, the
    /// ones open on this node stay. Returns how many were removed.
    async fn clean_up(&self, node: &str, keep_local: bool) -> usize {
        let stored = match self.store.node_connections(node).await {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(%node, error = %e, "could not read a node's connections");
                return 0;
            }
        };
        // read after the store: a connection registers locally before the store records it, so
        // one recorded by the read above is in this snapshot unless it has closed since
        let local: HashSet<String> =
            if keep_local { self.local().await.into_iter().map(|c| c.conn.to_string()).collect() } else { HashSet::new() };
        let mut removed = 0;
        for c in stored.iter().filter(|c| !local.contains(&c.conn)) {
            self.chat.forget_connection(&c.conn, &c.user, &c.watching).await;
            if node != self.store.node() {
                Metrics::incr(&self.metrics.reaped_connections);
            }
            removed += 1;
        }
        removed
    }

    /// Makes Redis agree with this node: every live local connection and watch recorded (what is
    /// already there stays as is), every recorded connection of this node that is gone removed.
    async fn reconcile(&self) {
        Metrics::incr(&self.metrics.node_reconciliations);
        let local = self.local().await;
        for c in &local {
            if let Err(e) = self.chat.reassert_connection(&c.conn, &c.user, &c.watching).await {
                tracing::warn!(conn = %c.conn, error = %e, "could not record a connection again");
            }
        }
        let removed = self.clean_up(self.store.node(), true).await;
        tracing::info!(live = local.len(), removed, "reconciled this node's connections with Redis");
    }

    async fn local(&self) -> Vec<herald_actors::registry::LocalConnection> {
        self.chat.registry().send(Snapshot).await.unwrap_or_default()
    }
}
