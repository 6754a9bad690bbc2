//! [`ReadStore`] for the [`RedisStore`]: per channel, `p:reads:{cid}` hash user → JSON
//! `{last_read, last_read_message_id}` and `p:unread:{cid}` hash user → unread count. A new
//! message is one Lua script that HINCRBYs every member but the sender (one round trip, atomic);
//! the others are one script or one atomic pipeline each. The unread-reminder queue is
//! `p:unreadq`, a sorted set of users scored by their first unread message's time (ms); ZREM is
//! the claim that lets one node fire a reminder. Only current members are reported;
//! `remove_members` and `delete_channel` drop the state with the membership.

use super::scripts;
use super::store::{decode, encode, RedisStore};
use async_trait::async_trait;
use herald_actors::store::{ReadStore, StoreResult};
use herald_proto::read::{ReadState, UnreadTotals};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

/// What `p:reads:{cid}` keeps for a member (the count lives in `p:unread:{cid}`).
#[derive(Serialize, Deserialize)]
struct Mark {
    last_read: String,
    #[serde(default)]
    last_read_message_id: Option<String>,
}

fn state_of(cid: &str, user: &str, mark: Option<&str>, unread: Option<i64>) -> StoreResult<ReadState> {
    let mut read = ReadState::unread_nothing(cid, user);
    if let Some(raw) = mark {
        let mark: Mark = decode(raw)?;
        read.last_read = mark.last_read;
        read.last_read_message_id = mark.last_read_message_id;
    }
    read.unread_messages = unread.unwrap_or(0).max(0) as u64;
    Ok(read)
}

impl RedisStore {
    async fn write_read(&self, read: &ReadState) -> StoreResult<()> {
        let mark = encode(&Mark { last_read: read.last_read.clone(), last_read_message_id: read.last_read_message_id.clone() })?;
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.hset(self.key("reads", &read.cid), &read.user_id, mark).ignore();
        pipe.hset(self.key("unread", &read.cid), &read.user_id, read.unread_messages).ignore();
        self.run(|mut c| async move { pipe.query_async::<()>(&mut c).await }).await
    }
}

#[async_trait]
impl ReadStore for RedisStore {
    async fn channel_reads(&self, cid: &str) -> StoreResult<Vec<ReadState>> {
        let keys = [self.key("members", cid), self.key("reads", cid), self.key("unread", cid)];
        let rows: Vec<(String, Option<String>, Option<i64>)> =
            self.run(|mut c| async move { scripts::CHANNEL_READS.key(&keys).invoke_async(&mut c).await }).await?;
        let mut reads =
            rows.iter().map(|(user, mark, unread)| state_of(cid, user, mark.as_deref(), *unread)).collect::<StoreResult<Vec<_>>>()?;
        reads.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        Ok(reads)
    }

    async fn user_reads(&self, user_id: &str) -> StoreResult<Vec<ReadState>> {
        let (key, prefix) = (self.key("memberships", user_id), self.keys.prefix().to_owned());
        let rows: Vec<(String, Option<String>, Option<i64>)> =
            self.run(|mut c| async move { scripts::USER_READS.key(key).arg(user_id).arg(prefix).invoke_async(&mut c).await }).await?;
        let mut reads =
            rows.iter().map(|(cid, mark, unread)| state_of(cid, user_id, mark.as_deref(), *unread)).collect::<StoreResult<Vec<_>>>()?;
        reads.sort_by(|a, b| a.cid.cmp(&b.cid));
        Ok(reads)
    }

    async fn read_state(&self, cid: &str, user_id: &str) -> StoreResult<ReadState> {
        let mut pipe = redis::pipe();
        pipe.hget(self.key("reads", cid), user_id).hget(self.key("unread", cid), user_id);
        let (mark, unread): (Option<String>, Option<i64>) = self.run(|mut c| async move { pipe.query_async(&mut c).await }).await?;
        state_of(cid, user_id, mark.as_deref(), unread)
    }

    async fn mark_read(&self, cid: &str, user_id: &str, at: &str, message_id: Option<&str>) -> StoreResult<ReadState> {
        let read = ReadState::read_at(cid, user_id, at, message_id);
        self.write_read(&read).await?;
        Ok(read)
    }

    async fn set_read(&self, read: &ReadState) -> StoreResult<()> {
        self.write_read(read).await
    }

    async fn count_message(&self, cid: &str, sender: &str, at: &str, at_ms: u64) -> StoreResult<()> {
        let keys = [self.key("members", cid), self.key("unread", cid), self.key("unreadq", "")];
        let prefix = self.keys.prefix().to_owned();
        self.run(|mut c| async move {
            scripts::COUNT_MESSAGE.key(&keys).arg(sender).arg(at_ms).arg(cid).arg(at).arg(prefix).invoke_async::<()>(&mut c).await
        })
        .await
    }

    async fn unread_reminders_due(&self, until_ms: u64, limit: usize) -> StoreResult<Vec<String>> {
        let key = self.key("unreadq", "");
        self.run(|mut c| async move { c.zrangebyscore_limit(key, 0u64, until_ms, 0, limit as isize).await }).await
    }

    async fn take_unread_reminder(&self, user_id: &str) -> StoreResult<bool> {
        let key = self.key("unreadq", "");
        let removed: i64 = self.run(|mut c| async move { c.zrem(key, user_id).await }).await?;
        Ok(removed == 1)
    }

    async fn unread_totals(&self, user_ids: &[String]) -> StoreResult<Vec<UnreadTotals>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let prefix = self.keys.prefix().to_owned();
        let rows: Vec<(u64, u64)> =
            self.run(|mut c| async move { scripts::UNREAD_TOTALS.arg(prefix).arg(user_ids).invoke_async(&mut c).await }).await?;
        Ok(rows.into_iter().map(|(total_unread_count, unread_channels)| UnreadTotals { total_unread_count, unread_channels }).collect())
    }

    async fn reset_reads(&self, cid: &str, at: &str) -> StoreResult<()> {
        let keys = [self.key("members", cid), self.key("reads", cid), self.key("unread", cid)];
        let mark = encode(&Mark { last_read: at.to_owned(), last_read_message_id: None })?;
        self.run(|mut c| async move { scripts::RESET_READS.key(&keys).arg(mark).invoke_async::<()>(&mut c).await }).await
    }
}
