//! herald's actors and the logic they serve.
//!
//! Actor map (who owns what, who may message whom):
//! - [`session::SessionActor`], one per WebSocket: handshake, heartbeats, inbound frames (handed
//!   to [`chat::Chat`]), outbound frames with a bounded byte budget. Registers with the registry.
//! - [`registry::RegistryActor`], one per node: the table of local connections, starts and stops
//!   [`channel::ChannelActor`]s and [`user::UserActor`]s on demand, subscribes the node to a bus topic on
//!   the first local interest and unsubscribes on the last, and routes every bus publication to
//!   the actor of its topic.
//! - [`channel::ChannelActor`], one per channel with local watchers: fans a channel publication out
//!   to its watchers with `try_send`.
//! - [`user::UserActor`], one per user with local connections or local presence subscribers:
//!   fans user-targeted publications out to that user's sessions, or to presence subscribers.
//! - [`scheduler::ReminderScheduler`], one per node: polls the Store for due message reminders
//!   and has [`chat::Chat`] fire them (claimed atomically: once per reminder over all nodes).
//! - [`link::NodeLink`] (not an actor): watch/unwatch/follow commands for a connection that
//!   lives on another node, as request and reply over the bus.
//!
//! Every event goes [`chat::Chat`] → [`bus::Bus`] → registry → channel/user actor → session:
//! the memory bus loops back, so single-node and cluster deliveries share one path. An event is
//! serialised once (a `ByteString`); every hop after that clones a reference.
//!
//! State that must survive an actor (users, channel types, channels, members, watchers,
//! connections) lives in the [`store::Store`].

pub mod bus;
pub mod channel;
pub mod chat;
pub mod clock;
pub mod inbox;
pub mod link;
pub mod metrics;
pub mod outbound;
pub mod registry;
pub mod scheduler;
pub mod session;
pub mod store;
pub mod user;

/// A connection id (the `connection_id` of the handshake). Cheap to clone.
pub type ConnId = std::sync::Arc<str>;
