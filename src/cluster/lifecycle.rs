//! [`LifecycleStore`] for the [`RedisStore`]: a truncate is one Lua script over the channel's
//! message order (`p:msgord:{cid}`, records in `p:msgs`); hidden channels are two sets kept
//! together (`p:hidden:{cid}` users, `p:uhidden:{user}` cids), history cleared by a hide in
//! `p:cleared:{cid}` hash user → time; channel mutes are
//! `p:chmutes:{user}` hash cid → mute JSON. A member update is the store's compare-and-set on
//! `p:members:{cid}`.

use super::scripts;
use super::store::{decode, encode, RedisStore};
use async_trait::async_trait;
use herald_actors::store::lifecycle::MemberUpdate;
use herald_actors::store::{LifecycleStore, StoreResult};
use herald_proto::channel::MemberRecord;
use herald_proto::lifecycle::ChannelMute;
use redis::AsyncCommands;

#[async_trait]
impl LifecycleStore for RedisStore {
    async fn truncate_messages(&self, cid: &str, before: &str) -> StoreResult<usize> {
        let keys = [self.key("msgord", cid), self.key("msgs", "")];
        self.run(|mut c| async move { scripts::TRUNCATE_MESSAGES.key(&keys).arg(before).invoke_async(&mut c).await }).await
    }

    async fn set_hidden(&self, cid: &str, user_id: &str, hidden: bool) -> StoreResult<bool> {
        let (by_channel, by_user) = (self.key("hidden", cid), self.key("uhidden", user_id));
        let mut pipe = redis::pipe();
        pipe.atomic();
        if hidden {
            pipe.sadd(by_channel, user_id).sadd(by_user, cid).ignore();
        } else {
            pipe.srem(by_channel, user_id).srem(by_user, cid).ignore();
        }
        let (changed,): (i64,) = self.run(|mut c| async move { pipe.query_async(&mut c).await }).await?;
        Ok(changed == 1)
    }

    async fn hidden_channels(&self, user_id: &str) -> StoreResult<Vec<String>> {
        let key = self.key("uhidden", user_id);
        let mut cids: Vec<String> = self.run(|mut c| async move { c.smembers(key).await }).await?;
        cids.sort();
        Ok(cids)
    }

    async fn show_to_all(&self, cid: &str) -> StoreResult<Vec<String>> {
        let (key, prefix) = (self.key("hidden", cid), self.keys.prefix().to_owned());
        let mut users: Vec<String> =
            self.run(|mut c| async move { scripts::SHOW_TO_ALL.key(key).arg(cid).arg(prefix).invoke_async(&mut c).await }).await?;
        users.sort();
        Ok(users)
    }

    async fn clear_history(&self, cid: &str, user_id: &str, at: &str) -> StoreResult<()> {
        let key = self.key("cleared", cid);
        self.run(|mut c| async move { c.hset::<_, _, _, ()>(key, user_id, at).await }).await
    }

    async fn history_cleared_at(&self, cid: &str, user_id: &str) -> StoreResult<Option<String>> {
        let key = self.key("cleared", cid);
        self.run(|mut c| async move { c.hget(key, user_id).await }).await
    }

    async fn update_member(&self, cid: &str, user_id: &str, f: MemberUpdate<'_>) -> StoreResult<Option<(MemberRecord, MemberRecord)>> {
        let hash = self.key("members", cid);
        match self.swap_field(&hash, user_id, &|current: Option<&MemberRecord>| f(current?)).await? {
            (Some(before), Some(after)) => Ok(Some((before, after))),
            _ => Ok(None),
        }
    }

    async fn put_channel_mute(&self, mute: &ChannelMute) -> StoreResult<()> {
        let (key, encoded) = (self.key("chmutes", &mute.user_id), encode(mute)?);
        let cid = mute.cid.clone();
        self.run(|mut c| async move { c.hset::<_, _, _, ()>(key, cid, encoded).await }).await
    }

    async fn remove_channel_mute(&self, user_id: &str, cid: &str) -> StoreResult<Option<ChannelMute>> {
        let key = self.key("chmutes", user_id);
        let mut pipe = redis::pipe();
        pipe.atomic().hget(&key, cid).hdel(&key, cid).ignore();
        let (raw,): (Option<String>,) = self.run(|mut c| async move { pipe.query_async(&mut c).await }).await?;
        raw.map(|r| decode(&r)).transpose()
    }

    async fn channel_mutes(&self, user_id: &str) -> StoreResult<Vec<ChannelMute>> {
        let key = self.key("chmutes", user_id);
        let raw: Vec<String> = self.run(|mut c| async move { c.hvals(key).await }).await?;
        let mut mutes = raw.iter().map(|r| decode(r)).collect::<StoreResult<Vec<ChannelMute>>>()?;
        mutes.sort_by(|a, b| a.cid.cmp(&b.cid));
        Ok(mutes)
    }
}
