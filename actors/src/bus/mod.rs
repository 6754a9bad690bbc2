//! The Bus: how a publication travels from where an event enters to every node with an interest.
//!
//! Guarantees (all implementations): at-most-once delivery to each subscribed node; publications
//! on one topic keep the order in which they were published (per publisher, and in total when
//! there is one ordering point such as Redis or the memory channel). A node receives only topics it
//! subscribed to. Subscriptions are per node, never per socket: the registry subscribes on the
//! first local interest and unsubscribes on the last.

mod memory;

pub use memory::MemoryBus;

use async_trait::async_trait;
use bytestring::ByteString;
use std::sync::Arc;

/// A topic: a channel's or a user's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Events of one channel (by cid).
    Channel(Arc<str>),
    /// Events aimed at one user, or at those who follow that user's presence.
    User(Arc<str>),
    /// Requests and replies between nodes (see [`crate::link`]), addressed to one node by id.
    Node(Arc<str>),
}

impl Topic {
    pub fn channel(cid: &str) -> Topic {
        Topic::Channel(Arc::from(cid))
    }
    pub fn user(id: &str) -> Topic {
        Topic::User(Arc::from(id))
    }
    pub fn node(id: &str) -> Topic {
        Topic::Node(Arc::from(id))
    }
}

/// Which local recipients of a topic receive a publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Every local watcher of the channel.
    Watchers,
    /// Every connection of the user, except the ones watching `skip_watching` (notification.* to
    /// members who are not watching the channel).
    UserConnections { skip_watching: Option<Arc<str>> },
    /// Connections that follow the user's presence; with `own`, the user's connections too.
    Presence { own: bool },
    /// Presence followers get the frame; the user's own connections get it and are then closed
    /// (deactivated or deleted users).
    Disconnect,
    /// A node-to-node message (only on [`Topic::Node`]); read by the node itself, not sessions.
    Node,
}

/// One encoded event on its way. Cloning shares the bytes.
#[derive(Debug, Clone)]
pub struct Publication {
    pub topic: Topic,
    pub route: Route,
    pub frame: ByteString,
}

/// Why the bus refused.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("the bus is unavailable: {0}")]
    Unavailable(String),
    #[error("this node's bus receiver has stopped")]
    Closed,
}

/// How nodes hear each other's publications (see the module docs for guarantees).
#[async_trait]
pub trait Bus: Send + Sync + 'static {
    async fn publish(&self, publication: Publication) -> Result<(), BusError>;
    async fn subscribe(&self, topic: &Topic) -> Result<(), BusError>;
    async fn unsubscribe(&self, topic: &Topic) -> Result<(), BusError>;
    /// Whether publications currently flow (false while a cluster bus is reconnecting).
    fn is_ready(&self) -> bool {
        true
    }
}
