//! ReadStore: per-member read state of channels (last read, last read message, unread count).
//! A supertrait of [`super::Store`], so `Arc<dyn Store>` exposes it. Implemented by the
//! [`super::MemoryStore`] (in `memory_reads.rs`) and the Redis store (server crate).
//!
//! Written by the chat layer: a new message counts one unread for every member but its sender
//! (one store call, never a round trip per member), mark read resets, mark unread sets a state,
//! truncate resets every member. A new message also queues its recipients for the
//! `user.unread_message_reminder` (`chat::unread_reminders` drains the queue). Read by channel states (`read`), `me` and notification events.
//! Only members have read state: a member with none yet reads as [`ReadState::unread_nothing`].

use super::StoreResult;
use async_trait::async_trait;
use herald_proto::read::{ReadState, UnreadTotals};

#[async_trait]
pub trait ReadStore: Send + Sync {
    /// Every member's read state in a channel (members with no state yet get a default one).
    /// Sorted by user id.
    async fn channel_reads(&self, cid: &str) -> StoreResult<Vec<ReadState>>;
    /// A user's read state in every channel they are a member of. Sorted by cid.
    async fn user_reads(&self, user_id: &str) -> StoreResult<Vec<ReadState>>;
    /// One member's read state (default when none yet).
    async fn read_state(&self, cid: &str, user_id: &str) -> StoreResult<ReadState>;
    /// Marks the channel read by the user at `at` (up to `message_id` when given): unread 0.
    /// Returns the state afterwards.
    async fn mark_read(&self, cid: &str, user_id: &str, at: &str, message_id: Option<&str>) -> StoreResult<ReadState>;
    /// Replaces one member's read state (mark unread computes it).
    async fn set_read(&self, state: &ReadState) -> StoreResult<()>;
    /// A new message in `cid` at `at` (RFC 3339, as herald writes times; `at_ms` the same in Unix
    /// ms): one more unread for every member except `sender` and those with a live mute of the
    /// channel (Stream: a muted channel's messages do not change the unread count), and each of
    /// them enters the unread-reminder queue unless already in it.
    async fn count_message(&self, cid: &str, sender: &str, at: &str, at_ms: u64) -> StoreResult<()>;
    /// History truncated at `at`: every member has read everything.
    async fn reset_reads(&self, cid: &str, at: &str) -> StoreResult<()>;
    /// Up to `limit` users waiting for an unread-message reminder whose first unread message of
    /// the period arrived at or before `until_ms`, oldest first.
    async fn unread_reminders_due(&self, until_ms: u64, limit: usize) -> StoreResult<Vec<String>>;
    /// Takes a user out of the unread-reminder queue; true for the one caller that did (the claim
    /// that makes a reminder fire once over every node), false when they were not in it.
    async fn take_unread_reminder(&self, user_id: &str) -> StoreResult<bool>;
    /// Each user's unread totals over their channels, in the order of `user_ids` (one store
    /// call for a whole fan-out).
    async fn unread_totals(&self, user_ids: &[String]) -> StoreResult<Vec<UnreadTotals>> {
        let mut out = Vec::with_capacity(user_ids.len());
        for id in user_ids {
            out.push(UnreadTotals::of(&self.user_reads(id).await?));
        }
        Ok(out)
    }
}
