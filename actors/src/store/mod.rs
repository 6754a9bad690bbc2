//! The Store: users, channel types, channels, members, watchers, connections, conversation events,
//! and messages with their reactions; read state through the [`ReadStore`] supertrait,
//! truncates, hidden channels and channel mutes through [`LifecycleStore`].
//!
//! The memory implementation backs the embedded single-node mode; a Redis implementation (in the
//! server crate) makes Redis the source of truth so every node answers the same. Every
//! read-modify-write goes through one store call (`update_*` with a closure) so concurrent
//! requests never lose each other's changes; closures may run more than once (optimistic retry)
//! and must be pure.

mod app;
pub mod lifecycle;
mod memory;
mod memory_lifecycle;
mod memory_reads;
mod memory_records;
pub mod reads;
pub mod records;

pub use app::{AppSettingsUpdate, AppStore};
pub use lifecycle::LifecycleStore;
pub use memory::MemoryStore;
pub use reads::ReadStore;
pub use records::{RecordStore, RecordUpdate};

use async_trait::async_trait;
use herald_proto::channel::{ChannelRecord, ChannelTypeConfig, MemberRecord};
use herald_proto::message::{MessageCursor, MessageRecord};
use herald_proto::user::User;

/// Why the store failed. Not-found is never an error: it is `None`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A user update: given the current user (if any), the new one (None = leave as is).
pub type UserUpdate<'a> = &'a (dyn Fn(Option<&User>) -> Option<User> + Send + Sync);
/// A channel update: given the current channel, the new one (None = leave as is).
pub type ChannelUpdate<'a> = &'a (dyn Fn(&ChannelRecord) -> Option<ChannelRecord> + Send + Sync);

/// A message update: given the current message, the new one (None = leave as is).
pub type MessageUpdate<'a> = &'a (dyn Fn(&MessageRecord) -> Option<MessageRecord> + Send + Sync);

/// Builds a stored event's JSON from the id the store gives it.
pub type EventBuild<'a> = &'a (dyn Fn(u64) -> String + Send + Sync);

/// What watching or unwatching changed, counted over every node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchChange {
    /// True when this was the user's first watching connection (start) or last (stop).
    pub user_edge: bool,
    /// Distinct users watching the channel afterwards.
    pub watcher_count: usize,
}

#[async_trait]
pub trait Store: AppStore + ReadStore + LifecycleStore + RecordStore + Send + Sync + 'static {
    // users
    async fn get_user(&self, id: &str) -> StoreResult<Option<User>>;
    /// The users that exist among `ids`, in the order of `ids`.
    async fn get_users(&self, ids: &[String]) -> StoreResult<Vec<User>>;
    /// Atomically replaces a user with `f(current)`; returns the user afterwards.
    async fn update_user(&self, id: &str, f: UserUpdate<'_>) -> StoreResult<Option<User>>;
    /// Every user (for filters other than ids). Sorted by id.
    async fn list_users(&self) -> StoreResult<Vec<User>>;

    // channel types
    async fn get_channel_type(&self, name: &str) -> StoreResult<Option<ChannelTypeConfig>>;
    async fn list_channel_types(&self) -> StoreResult<Vec<ChannelTypeConfig>>;
    async fn put_channel_type(&self, config: ChannelTypeConfig) -> StoreResult<()>;
    async fn delete_channel_type(&self, name: &str) -> StoreResult<bool>;

    // channels
    async fn get_channel(&self, cid: &str) -> StoreResult<Option<ChannelRecord>>;
    /// Creates the channel unless it exists; returns the stored one and whether it was created.
    async fn create_channel(&self, channel: ChannelRecord) -> StoreResult<(ChannelRecord, bool)>;
    async fn update_channel(&self, cid: &str, f: ChannelUpdate<'_>) -> StoreResult<Option<ChannelRecord>>;
    /// Deletes the channel with its members, watchers, conversation events and messages; returns
    /// what was deleted.
    async fn delete_channel(&self, cid: &str) -> StoreResult<Option<ChannelRecord>>;
    /// Every channel (query channels filters them). Sorted by cid.
    async fn list_channels(&self) -> StoreResult<Vec<ChannelRecord>>;
    /// Whether any channel of a type exists.
    async fn type_in_use(&self, kind: &str) -> StoreResult<bool>;

    // members
    async fn get_members(&self, cid: &str) -> StoreResult<Vec<MemberRecord>>;
    async fn get_member(&self, cid: &str, user_id: &str) -> StoreResult<Option<MemberRecord>>;
    /// Adds or replaces members; returns each with whether it was newly added.
    async fn upsert_members(&self, cid: &str, members: Vec<MemberRecord>) -> StoreResult<Vec<(MemberRecord, bool)>>;
    /// Removes members; returns the ones that were members.
    async fn remove_members(&self, cid: &str, user_ids: &[String]) -> StoreResult<Vec<MemberRecord>>;
    async fn member_count(&self, cid: &str) -> StoreResult<usize>;
    /// cids of the channels a user is a member of. Sorted.
    async fn channels_of_member(&self, user_id: &str) -> StoreResult<Vec<String>>;

    // watchers (distinct users per channel, counted over connections on every node)
    async fn add_watcher(&self, cid: &str, user_id: &str, conn: &str) -> StoreResult<WatchChange>;
    async fn remove_watcher(&self, cid: &str, user_id: &str, conn: &str) -> StoreResult<WatchChange>;
    async fn watcher_count(&self, cid: &str) -> StoreResult<usize>;
    /// Up to `limit` distinct watching user ids, sorted.
    async fn watchers(&self, cid: &str, limit: usize) -> StoreResult<Vec<String>>;

    // connections (presence)
    /// Records a connection; true when it is the user's first anywhere.
    async fn add_connection(&self, user_id: &str, conn: &str) -> StoreResult<bool>;
    /// Forgets a connection; true when it was the user's last anywhere.
    async fn remove_connection(&self, user_id: &str, conn: &str) -> StoreResult<bool>;

    // conversation events (Vonage-style), kept per conversation channel
    /// Appends the event `build(id)` to `cid`'s list, `id` being the next number of that list
    /// (1, 2, …); keeps only the newest `keep`. Returns the id.
    async fn append_conversation_event(&self, cid: &str, build: EventBuild<'_>, keep: usize) -> StoreResult<u64>;
    /// Up to `limit` stored events (their JSON) after `cursor` in id order, or before it newest
    /// first with `descending`.
    async fn conversation_events(&self, cid: &str, cursor: Option<u64>, limit: usize, descending: bool) -> StoreResult<Vec<String>>;

    // messages, kept per channel (the newest `keep`); a message's reactions live in its record
    /// Stores a new message after the newest of its channel (`message.cid`) and drops the
    /// channel's oldest beyond `keep`. False, with nothing written, when a message with this id
    /// exists (in any channel).
    async fn insert_message(&self, message: &MessageRecord, keep: usize) -> StoreResult<bool>;
    async fn get_message(&self, id: &str) -> StoreResult<Option<MessageRecord>>;
    /// Atomically replaces a message with `f(current)`; returns it before and after (the same
    /// when `f` left it as is), or None when there is no such message.
    async fn update_message(&self, id: &str, f: MessageUpdate<'_>) -> StoreResult<Option<(MessageRecord, MessageRecord)>>;
    /// Removes a message for good (hard delete); returns it.
    async fn delete_message(&self, id: &str) -> StoreResult<Option<MessageRecord>>;
    /// Up to `limit` of a channel's messages, oldest first: the newest ones, or those just before
    /// or after a message (none when that message is not in the channel).
    async fn channel_messages(&self, cid: &str, cursor: MessageCursor<'_>, limit: usize) -> StoreResult<Vec<MessageRecord>>;

    // cluster (the memory store serves one node: these have nothing to say)
    /// The node a connection lives on, when the store records nodes.
    async fn connection_node(&self, _conn: &str) -> StoreResult<Option<String>> {
        Ok(None)
    }
    /// The connections recorded for `node`, each with the channels it watches (to clean up after
    /// a node that died).
    async fn node_connections(&self, _node: &str) -> StoreResult<Vec<StoredConnection>> {
        Ok(Vec::new())
    }
    /// Answers when the store is reachable.
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}

/// A connection as the store records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConnection {
    pub conn: String,
    pub user: String,
    /// cids the connection watches.
    pub watching: Vec<String>,
}
