//! NodeLink: commands for a connection that lives on another node.
//!
//! A REST call may land on any node (one Kubernetes Service in front of many pods) while the
//! WebSocket whose `connection_id` it names lives elsewhere. [`crate::chat::Chat`] first asks the
//! local registry; when the connection is not local, it looks up the connection's node in the
//! Store and sends the command there with [`NodeLink::call`]: a request on the target node's
//! [`Topic::Node`], a reply on the caller's. The registry hands every `Topic::Node` publication
//! to [`NodeLink::on_frame`], which runs requests against the local registry and completes the
//! calls waiting for replies. Calls time out (never hang); a lost reply is an error for the
//! caller, and the command itself is idempotent on the target (watching twice is one watch).

use crate::bus::{Bus, BusError, Publication, Route, Topic};
use crate::registry::{Follow, RegistryActor, RegistryError, Unwatch, Watch};
use actix::Addr;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// A command for one connection, run by the registry of the node that holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ConnCommand {
    /// Start watching `cid`; replies the connection's user when it was not watching before.
    Watch { conn: String, cid: String, user: Option<String> },
    /// Stop watching `cid`; replies the connection's user when it was watching.
    Unwatch { conn: String, cid: String, user: Option<String> },
    /// Follow the presence of `users`; replies nothing.
    Follow { conn: String, users: Vec<String>, user: Option<String> },
}

impl ConnCommand {
    pub fn conn(&self) -> &str {
        match self {
            ConnCommand::Watch { conn, .. } | ConnCommand::Unwatch { conn, .. } | ConnCommand::Follow { conn, .. } => conn,
        }
    }

    /// Runs the command on this node's registry.
    pub async fn run_local(&self, registry: &Addr<RegistryActor>) -> Result<Option<Arc<str>>, RegistryError> {
        let arc = |s: &str| Arc::<str>::from(s);
        let unavailable = |e: actix::MailboxError| RegistryError::Bus(BusError::Unavailable(e.to_string()));
        match self {
            ConnCommand::Watch { conn, cid, user } => {
                registry.send(Watch { conn: arc(conn), cid: arc(cid), user: user.as_deref().map(arc) }).await.map_err(unavailable)?
            }
            ConnCommand::Unwatch { conn, cid, user } => {
                registry.send(Unwatch { conn: arc(conn), cid: arc(cid), user: user.as_deref().map(arc) }).await.map_err(unavailable)?
            }
            ConnCommand::Follow { conn, users, user } => {
                let users = users.iter().map(|u| arc(u)).collect();
                registry.send(Follow { conn: arc(conn), users, user: user.as_deref().map(arc) }).await.map_err(unavailable)??;
                Ok(None)
            }
        }
    }
}

/// A refusal carried back to the calling node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
enum RemoteError {
    UnknownConnection(String),
    WrongUser(String),
    Unavailable(String),
}

impl From<RegistryError> for RemoteError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::UnknownConnection(c) => RemoteError::UnknownConnection(c),
            RegistryError::WrongUser(c) => RemoteError::WrongUser(c),
            RegistryError::Bus(b) => RemoteError::Unavailable(b.to_string()),
        }
    }
}

impl From<RemoteError> for RegistryError {
    fn from(e: RemoteError) -> Self {
        match e {
            RemoteError::UnknownConnection(c) => RegistryError::UnknownConnection(c),
            RemoteError::WrongUser(c) => RegistryError::WrongUser(c),
            RemoteError::Unavailable(m) => RegistryError::Bus(BusError::Unavailable(m)),
        }
    }
}

/// What travels on a node topic.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum LinkFrame {
    Request { id: u64, from: String, command: ConnCommand },
    Reply { id: u64, result: Result<Option<String>, RemoteError> },
}

type Waiting = oneshot::Sender<Result<Option<String>, RemoteError>>;

/// This node's end of the node-to-node link (see the module docs).
pub struct NodeLink {
    node: Arc<str>,
    bus: Arc<dyn Bus>,
    timeout: Duration,
    next_id: AtomicU64,
    waiting: Mutex<HashMap<u64, Waiting>>,
}

impl NodeLink {
    /// The link of node `node`; calls give up after `timeout`.
    pub fn new(node: &str, bus: Arc<dyn Bus>, timeout: Duration) -> Arc<NodeLink> {
        Arc::new(NodeLink { node: Arc::from(node), bus, timeout, next_id: AtomicU64::new(1), waiting: Mutex::new(HashMap::new()) })
    }

    /// This node's id.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Runs `command` on `node` and waits for its answer.
    pub async fn call(&self, node: &str, command: ConnCommand) -> Result<Option<Arc<str>>, RegistryError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.waiting().insert(id, tx);
        let frame = LinkFrame::Request { id, from: self.node.to_string(), command };
        if let Err(e) = self.send(node, &frame).await {
            self.waiting().remove(&id);
            return Err(e.into());
        }
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(result)) => result.map(|user| user.map(Arc::from)).map_err(RegistryError::from),
            Ok(Err(_)) | Err(_) => {
                self.waiting().remove(&id);
                Err(RegistryError::Bus(BusError::Unavailable(format!("node {node} did not answer within {:?}", self.timeout))))
            }
        }
    }

    /// Handles one publication of this node's topic: runs a request on `registry` and replies, or
    /// completes the call a reply answers.
    pub fn on_frame(self: &Arc<Self>, frame: &str, registry: Addr<RegistryActor>) {
        match serde_json::from_str::<LinkFrame>(frame) {
            Ok(LinkFrame::Reply { id, result }) => {
                if let Some(tx) = self.waiting().remove(&id) {
                    let _ = tx.send(result); // the caller may have timed out meanwhile
                }
            }
            Ok(LinkFrame::Request { id, from, command }) => {
                let link = self.clone();
                actix::spawn(async move {
                    let result = command.run_local(&registry).await.map(|u| u.map(|u| u.to_string())).map_err(RemoteError::from);
                    if let Err(e) = link.send(&from, &LinkFrame::Reply { id, result }).await {
                        tracing::warn!(node = %from, error = %e, "could not answer a node request");
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "unreadable node-link frame ignored"),
        }
    }

    async fn send(&self, node: &str, frame: &LinkFrame) -> Result<(), BusError> {
        let frame = serde_json::to_string(frame).expect("link frames serialise");
        self.bus.publish(Publication { topic: Topic::node(node), route: Route::Node, frame: frame.into() }).await
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Waiting>> {
        self.waiting.lock().expect("link lock poisoned")
    }
}
