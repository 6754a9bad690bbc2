//! LifecycleStore: what channel lifecycle operations keep besides the channel record — truncated
//! history, which users hid which channels (and cleared their history), users' channel mutes,
//! and atomic updates of one member record. A supertrait of
//! [`super::Store`]; implemented for the [`super::MemoryStore`] (`memory_lifecycle.rs`) and the
//! Redis store (server crate). Written and read by `chat::lifecycle`.

use super::StoreResult;
use async_trait::async_trait;
use herald_proto::channel::MemberRecord;
use herald_proto::lifecycle::ChannelMute;

/// A member update: given the current member, the new one (None = leave as is).
pub type MemberUpdate<'a> = &'a (dyn Fn(&MemberRecord) -> Option<MemberRecord> + Send + Sync);

#[async_trait]
pub trait LifecycleStore: Send + Sync {
    /// Removes the channel's messages created at or before `before` (RFC 3339, as herald writes
    /// times); returns how many went.
    async fn truncate_messages(&self, cid: &str, before: &str) -> StoreResult<usize>;
    /// Hides (or shows) the channel for one user; true when that changed something.
    async fn set_hidden(&self, cid: &str, user_id: &str, hidden: bool) -> StoreResult<bool>;
    /// cids the user has hidden. Sorted.
    async fn hidden_channels(&self, user_id: &str) -> StoreResult<Vec<String>>;
    /// Shows the channel again to everyone who hid it (a new message); returns those users.
    async fn show_to_all(&self, cid: &str) -> StoreResult<Vec<String>>;
    /// Records that the user cleared the channel's history at `at` (hide with `clear_history`):
    /// messages created at or before it are no longer shown to them.
    async fn clear_history(&self, cid: &str, user_id: &str, at: &str) -> StoreResult<()>;
    /// When the user last cleared the channel's history, if ever.
    async fn history_cleared_at(&self, cid: &str, user_id: &str) -> StoreResult<Option<String>>;
    /// Atomically replaces a member with `f(current)` (invite answers, partial member updates);
    /// returns it before and after (the same when `f` left it as is), or None for a non-member.
    async fn update_member(&self, cid: &str, user_id: &str, f: MemberUpdate<'_>) -> StoreResult<Option<(MemberRecord, MemberRecord)>>;
    /// Adds or replaces a user's mute of a channel.
    async fn put_channel_mute(&self, mute: &ChannelMute) -> StoreResult<()>;
    /// Removes a user's mute of a channel; the mute when there was one.
    async fn remove_channel_mute(&self, user_id: &str, cid: &str) -> StoreResult<Option<ChannelMute>>;
    /// A user's channel mutes (expired ones included: callers filter by time). Sorted by cid.
    async fn channel_mutes(&self, user_id: &str) -> StoreResult<Vec<ChannelMute>>;
}
