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
//! Safety valves: a node reaps others only after `5T/6` of unbroken contact with Redis, so after
//! an outage every live node has heartbeated before anyone is judged; a node that finds itself
//! missing from the node set (it was taken for dead, or Redis lost its data) records its live
//! connections and watches again; at start a node first removes records its previous
//! incarnation (same node id) left behind. On graceful stop, [`Liveness::goodbye`] removes the
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
}

impl Liveness {
    /// Starts the task for the node `store` belongs to.
    pub fn start(store: Arc<RedisStore>, chat: Chat, node_timeout: Duration) -> Liveness {
        let interval = (node_timeout / 6).max(Duration::from_millis(100));
        let task = Task { metrics: chat.metrics(), store, chat, interval, ttl: node_timeout - interval };
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
        let mut started = false;
        let mut contact_since: Option<Instant> = None;
        loop {
            match self.store.heartbeat(self.ttl).await {
                Ok(was_missing) => {
                    if !started || was_missing {
                        if let Err(e) = self.store.seed_channel_types(&herald_actors::clock::now()).await {
                            tracing::warn!(error = %e, "could not write the built-in channel types");
                        }
                    }
                    if !started {
                        self.clean_up(self.store.node(), true).await;
                        started = true;
                    } else if was_missing {
                        self.reassert().await;
                    }
                    let since = *contact_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= self.ttl {
                        self.reap_dead().await;
                    }
                }
                Err(e) => {
                    Metrics::incr(&self.metrics.node_heartbeat_failures);
                    contact_since = None;
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
        let local: HashSet<String> =
            if keep_local { self.local().await.into_iter().map(|c| c.conn.to_string()).collect() } else { HashSet::new() };
        let stored = match self.store.node_connections(node).await {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(%node, error = %e, "could not read a node's connections");
                return 0;
            }
        };
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

    /// Records every local connection and watch again.
    async fn reassert(&self) {
        Metrics::incr(&self.metrics.node_reasserts);
        let local = self.local().await;
        tracing::warn!(connections = local.len(), "this node's records were missing from Redis; recording them again");
        for c in local {
            if let Err(e) = self.chat.reassert_connection(&c.conn, &c.user, &c.watching).await {
                tracing::warn!(conn = %c.conn, error = %e, "could not record a connection again");
            }
        }
    }

    async fn local(&self) -> Vec<herald_actors::registry::LocalConnection> {
        self.chat.registry().send(Snapshot).await.unwrap_or_default()
    }
}
