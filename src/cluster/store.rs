//! RedisStore: the cluster Store. Redis is the source of truth for users, channel types,
//! channels, members, watchers, connections, conversation events and messages, so every node
//! answers every REST call the same.
//!
//! Records are JSON in hashes ([`super::keys`] lists the layout). Read-modify-writes are atomic
//! across nodes: record updates (users, channels, messages with their reactions) are optimistic
//! compare-and-set loops around the caller's pure closure; membership, watcher, connection and
//! message-list changes are Lua scripts ([`super::scripts`]).
//! Every call is bounded by the Redis timeout and fails with `StoreError::Unavailable` (REST:
//! 503, code 23) instead of waiting. The node-level calls (heartbeats, dead nodes) are in
//! [`super::nodes`], the scripted message-list calls in [`super::messages`].

use super::keys::Keys;
use super::scripts;
use async_trait::async_trait;
use herald_actors::store::{
    ChannelUpdate, EventBuild, MessageUpdate, Store, StoreError, StoreResult, StoredConnection, UserUpdate, WatchChange,
};
use herald_proto::channel::{ChannelRecord, ChannelTypeConfig, MemberRecord};
use herald_proto::message::{MessageCursor, MessageRecord};
use herald_proto::user::User;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, RedisResult};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often an optimistic update retries before giving up (contention on one record).
const CAS_ATTEMPTS: usize = 32;

pub struct RedisStore {
    pub(super) con: ConnectionManager,
    pub(super) keys: Keys,
    pub(super) node: String,
    pub(super) timeout: Duration,
    /// Set once the built-in channel types are known to be in Redis.
    pub(super) seeded: AtomicBool,
}

impl RedisStore {
    pub fn new(con: ConnectionManager, keys: Keys, node: &str, timeout: Duration) -> RedisStore {
        RedisStore { con, keys, node: node.to_owned(), timeout, seeded: AtomicBool::new(false) }
    }

    /// Runs one Redis exchange within the timeout.
    pub(super) async fn run<T, F, Fut>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        match tokio::time::timeout(self.timeout, f(self.con.clone())).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(StoreError::Unavailable(e.to_string())),
            Err(_) => Err(StoreError::Unavailable(format!("Redis did not answer within {:?}", self.timeout))),
        }
    }

    pub(super) fn key(&self, family: &str, id: &str) -> String {
        self.keys.key(family, id)
    }

    pub(super) async fn hget<T: DeserializeOwned>(&self, hash: &str, field: &str) -> StoreResult<Option<T>> {
        let raw: Option<String> = self.run(|mut c| async move { c.hget(hash, field).await }).await?;
        raw.map(|r| decode(&r)).transpose()
    }

    async fn hvals<T: DeserializeOwned>(&self, hash: &str) -> StoreResult<Vec<T>> {
        let raw: Vec<String> = self.run(|mut c| async move { c.hvals(hash).await }).await?;
        raw.iter().map(|r| decode(r)).collect()
    }

    /// Replaces `hash[field]` with `f(current)` atomically (optimistic retries); returns the
    /// value afterwards.
    pub(super) async fn update_field<T>(
        &self,
        hash: &str,
        field: &str,
        f: &(dyn Fn(Option<&T>) -> Option<T> + Send + Sync),
    ) -> StoreResult<Option<T>>
    where
        T: Serialize + DeserializeOwned + Clone + Send,
    {
        Ok(self.swap_field(hash, field, f).await?.1)
    }

    /// [`Self::update_field`], returning the value before (the one the write replaced) and after.
    pub(super) async fn swap_field<T>(
        &self,
        hash: &str,
        field: &str,
        f: &(dyn Fn(Option<&T>) -> Option<T> + Send + Sync),
    ) -> StoreResult<(Option<T>, Option<T>)>
    where
        T: Serialize + DeserializeOwned + Clone + Send,
    {
        for _ in 0..CAS_ATTEMPTS {
            let raw: Option<String> = self.run(|mut c| async move { c.hget(hash, field).await }).await?;
            let current: Option<T> = raw.as_deref().map(decode).transpose()?;
            let Some(new) = f(current.as_ref()) else { return Ok((current.clone(), current)) };
            let encoded = encode(&new)?;
            let expected = raw.unwrap_or_default();
            let written: i64 = self
                .run(|mut c| async move { scripts::CAS_FIELD.key(hash).arg(field).arg(expected).arg(encoded).invoke_async(&mut c).await })
                .await?;
            if written == 1 {
                return Ok((current, Some(new)));
            }
        }
        Err(StoreError::Unavailable(format!("{field} is being changed by too many requests at once")))
    }
}

pub(super) fn decode<T: DeserializeOwned>(raw: &str) -> StoreResult<T> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn encode<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[async_trait]
impl Store for RedisStore {
    async fn get_user(&self, id: &str) -> StoreResult<Option<User>> {
        self.hget(&self.key("users", ""), id).await
    }

    async fn get_users(&self, ids: &[String]) -> StoreResult<Vec<User>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let hash = self.key("users", "");
        let raw: Vec<Option<String>> =
            self.run(|mut c| async move { redis::cmd("HMGET").arg(&hash).arg(ids).query_async(&mut c).await }).await?;
        raw.iter().flatten().map(|r| decode(r)).collect()
    }

    async fn update_user(&self, id: &str, f: UserUpdate<'_>) -> StoreResult<Option<User>> {
        self.update_field(&self.key("users", ""), id, f).await
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        let mut users: Vec<User> = self.hvals(&self.key("users", "")).await?;
        users.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(users)
    }

    async fn get_channel_type(&self, name: &str) -> StoreResult<Option<ChannelTypeConfig>> {
        self.hget(&self.key("types", ""), name).await
    }

    async fn list_channel_types(&self) -> StoreResult<Vec<ChannelTypeConfig>> {
        let mut types: Vec<ChannelTypeConfig> = self.hvals(&self.key("types", "")).await?;
        types.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(types)
    }

    async fn put_channel_type(&self, config: ChannelTypeConfig) -> StoreResult<()> {
        let (hash, encoded) = (self.key("types", ""), encode(&config)?);
        self.run(|mut c| async move { c.hset(hash, &config.name, encoded).await }).await
    }

    async fn delete_channel_type(&self, name: &str) -> StoreResult<bool> {
        let hash = self.key("types", "");
        self.run(|mut c| async move { c.hdel(hash, name).await }).await
    }

    async fn get_channel(&self, cid: &str) -> StoreResult<Option<ChannelRecord>> {
        self.hget(&self.key("channels", ""), cid).await
    }

    async fn create_channel(&self, channel: ChannelRecord) -> StoreResult<(ChannelRecord, bool)> {
        let (hash, encoded) = (self.key("channels", ""), encode(&channel)?);
        let cid = channel.cid.clone();
        let created: bool = self.run(|mut c| async move { c.hset_nx(&hash, &cid, encoded).await }).await?;
        if created {
            return Ok((channel, true));
        }
        match self.get_channel(&channel.cid).await? {
            Some(existing) => Ok((existing, false)),
            None => Box::pin(self.create_channel(channel)).await, // deleted in between: try again
        }
    }

    async fn update_channel(&self, cid: &str, f: ChannelUpdate<'_>) -> StoreResult<Option<ChannelRecord>> {
        self.update_field(&self.key("channels", ""), cid, &|current: Option<&ChannelRecord>| f(current?)).await
    }

    async fn delete_channel(&self, cid: &str) -> StoreResult<Option<ChannelRecord>> {
        let keys = [
            self.key("channels", ""),
            self.key("members", cid),
            self.key("watch", cid),
            self.key("wcount", cid),
            self.key("cevents", cid),
            self.key("cevseq", cid),
            self.key("msgs", ""),
            self.key("msgord", cid),
            self.key("msgseq", cid),
        ];
        let prefix = self.keys.prefix().to_owned();
        let raw: Option<String> =
            self.run(|mut c| async move { scripts::DELETE_CHANNEL.key(&keys).arg(cid).arg(prefix).invoke_async(&mut c).await }).await?;
        raw.map(|r| decode(&r)).transpose()
    }

    async fn list_channels(&self) -> StoreResult<Vec<ChannelRecord>> {
        let mut channels: Vec<ChannelRecord> = self.hvals(&self.key("channels", "")).await?;
        channels.sort_by(|a, b| a.cid.cmp(&b.cid));
        Ok(channels)
    }

    async fn type_in_use(&self, kind: &str) -> StoreResult<bool> {
        let hash = self.key("channels", "");
        let cids: Vec<String> = self.run(|mut c| async move { c.hkeys(hash).await }).await?;
        Ok(cids.iter().any(|cid| cid.split_once(':').is_some_and(|(k, _)| k == kind)))
    }

    async fn get_members(&self, cid: &str) -> StoreResult<Vec<MemberRecord>> {
        let mut members: Vec<MemberRecord> = self.hvals(&self.key("members", cid)).await?;
        members.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        Ok(members)
    }

    async fn get_member(&self, cid: &str, user_id: &str) -> StoreResult<Option<MemberRecord>> {
        self.hget(&self.key("members", cid), user_id).await
    }

    async fn upsert_members(&self, cid: &str, members: Vec<MemberRecord>) -> StoreResult<Vec<(MemberRecord, bool)>> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        for m in &members {
            pipe.hset(self.key("members", cid), &m.user_id, encode(m)?);
            pipe.sadd(self.key("memberships", &m.user_id), cid).ignore();
        }
        let created: Vec<i64> = self.run(|mut c| async move { pipe.query_async(&mut c).await }).await?;
        Ok(members.into_iter().zip(created).map(|(m, n)| (m, n == 1)).collect())
    }

    async fn remove_members(&self, cid: &str, user_ids: &[String]) -> StoreResult<Vec<MemberRecord>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (key, prefix) = (self.key("members", cid), self.keys.prefix().to_owned());
        let raw: Vec<String> = self
            .run(|mut c| async move { scripts::REMOVE_MEMBERS.key(key).arg(cid).arg(prefix).arg(user_ids).invoke_async(&mut c).await })
            .await?;
        raw.iter().map(|r| decode(r)).collect()
    }

    async fn member_count(&self, cid: &str) -> StoreResult<usize> {
        let key = self.key("members", cid);
        self.run(|mut c| async move { c.hlen(key).await }).await
    }

    async fn channels_of_member(&self, user_id: &str) -> StoreResult<Vec<String>> {
        let key = self.key("memberships", user_id);
        let mut cids: Vec<String> = self.run(|mut c| async move { c.smembers(key).await }).await?;
        cids.sort();
        Ok(cids)
    }

    async fn add_watcher(&self, cid: &str, user_id: &str, conn: &str) -> StoreResult<WatchChange> {
        self.watch_script(&scripts::ADD_WATCHER, cid, user_id, conn).await
    }

    async fn remove_watcher(&self, cid: &str, user_id: &str, conn: &str) -> StoreResult<WatchChange> {
        self.watch_script(&scripts::REMOVE_WATCHER, cid, user_id, conn).await
    }

    async fn watcher_count(&self, cid: &str) -> StoreResult<usize> {
        let key = self.key("wcount", cid);
        self.run(|mut c| async move { c.hlen(key).await }).await
    }

    async fn watchers(&self, cid: &str, limit: usize) -> StoreResult<Vec<String>> {
        let key = self.key("wcount", cid);
        let mut users: Vec<String> = self.run(|mut c| async move { c.hkeys(key).await }).await?;
        users.sort();
        users.truncate(limit);
        Ok(users)
    }

    async fn append_conversation_event(&self, cid: &str, build: EventBuild<'_>, keep: usize) -> StoreResult<u64> {
        let (seq, list) = (self.key("cevseq", cid), self.key("cevents", cid));
        let id: u64 = self.run(|mut c| async move { c.incr(seq, 1).await }).await?;
        let event = build(id);
        let trim_to = -(keep.max(1) as isize) - 1;
        self.run(|mut c| async move {
            redis::pipe()
                .atomic()
                .zadd(&list, event, id)
                .ignore()
                .zremrangebyrank(&list, 0, trim_to)
                .ignore()
                .query_async::<()>(&mut c)
                .await
        })
        .await?;
        Ok(id)
    }

    async fn conversation_events(&self, cid: &str, cursor: Option<u64>, limit: usize, descending: bool) -> StoreResult<Vec<String>> {
        let list = self.key("cevents", cid);
        let mut command = if descending { redis::cmd("ZREVRANGEBYSCORE") } else { redis::cmd("ZRANGEBYSCORE") };
        let bound = |c: Option<u64>, open_end: &str| c.map_or(open_end.to_owned(), |c| format!("({c}"));
        if descending {
            command.arg(&list).arg(bound(cursor, "+inf")).arg("-inf");
        } else {
            command.arg(&list).arg(bound(cursor, "-inf")).arg("+inf");
        }
        command.arg("LIMIT").arg(0).arg(limit);
        self.run(|mut c| async move { command.query_async(&mut c).await }).await
    }

    async fn insert_message(&self, message: &MessageRecord, keep: usize) -> StoreResult<bool> {
        self.insert_message_record(message, keep).await
    }

    async fn get_message(&self, id: &str) -> StoreResult<Option<MessageRecord>> {
        self.hget(&self.key("msgs", ""), id).await
    }

    async fn update_message(&self, id: &str, f: MessageUpdate<'_>) -> StoreResult<Option<(MessageRecord, MessageRecord)>> {
        let (before, after) = self.swap_field(&self.key("msgs", ""), id, &|current: Option<&MessageRecord>| f(current?)).await?;
        Ok(before.zip(after))
    }

    async fn delete_message(&self, id: &str) -> StoreResult<Option<MessageRecord>> {
        self.delete_message_record(id).await
    }

    async fn channel_messages(&self, cid: &str, cursor: MessageCursor<'_>, limit: usize) -> StoreResult<Vec<MessageRecord>> {
        self.message_page(cid, cursor, limit).await
    }

    async fn add_connection(&self, user_id: &str, conn: &str) -> StoreResult<bool> {
        let keys = [self.key("conns", ""), self.key("uconns", user_id), self.key("nconns", &self.node)];
        let node = self.node.clone();
        let first: i64 = self
            .run(|mut c| async move { scripts::ADD_CONNECTION.key(&keys).arg(conn).arg(node).arg(user_id).invoke_async(&mut c).await })
            .await?;
        Ok(first == 1)
    }

    async fn remove_connection(&self, user_id: &str, conn: &str) -> StoreResult<bool> {
        let keys = [self.key("conns", ""), self.key("uconns", user_id), self.key("cwatch", conn)];
        let prefix = self.keys.prefix().to_owned();
        let last: i64 =
            self.run(|mut c| async move { scripts::REMOVE_CONNECTION.key(&keys).arg(conn).arg(prefix).invoke_async(&mut c).await }).await?;
        Ok(last == 1)
    }

    async fn connection_node(&self, conn: &str) -> StoreResult<Option<String>> {
        let record: Option<ConnRecord> = self.hget(&self.key("conns", ""), conn).await?;
        Ok(record.map(|r| r.node))
    }

    async fn node_connections(&self, node: &str) -> StoreResult<Vec<StoredConnection>> {
        let key = self.key("nconns", node);
        let conns: Vec<String> = self.run(|mut c| async move { c.smembers(key).await }).await?;
        let records: HashMap<String, ConnRecord> = {
            let hash = self.key("conns", "");
            let raw: Vec<Option<String>> = if conns.is_empty() {
                Vec::new()
            } else {
                let conns = &conns;
                self.run(|mut c| async move { redis::cmd("HMGET").arg(&hash).arg(conns).query_async(&mut c).await }).await?
            };
            let mut out = HashMap::new();
            for (conn, r) in conns.iter().zip(raw) {
                if let Some(r) = r {
                    out.insert(conn.clone(), decode(&r)?);
                }
            }
            out
        };
        let mut pipe = redis::pipe();
        for conn in records.keys() {
            pipe.smembers(self.key("cwatch", conn));
        }
        let watching: Vec<Vec<String>> =
            if records.is_empty() { Vec::new() } else { self.run(|mut c| async move { pipe.query_async(&mut c).await }).await? };
        let mut result: Vec<StoredConnection> = records
            .into_iter()
            .zip(watching)
            .map(|((conn, record), mut watching)| {
                watching.sort();
                StoredConnection { conn, user: record.user, watching }
            })
            .collect();
        result.sort_by(|a, b| a.conn.cmp(&b.conn));
        Ok(result)
    }

    async fn ping(&self) -> StoreResult<()> {
        let _: String = self.run(|mut c| async move { redis::cmd("PING").query_async(&mut c).await }).await?;
        if !self.seeded.load(Ordering::Relaxed) {
            return Err(StoreError::Unavailable("the built-in channel types are not in Redis yet".into()));
        }
        Ok(())
    }
}

/// A connection's record in `p:conns`.
#[derive(serde::Deserialize)]
struct ConnRecord {
    node: String,
    user: String,
}

impl RedisStore {
    async fn watch_script(&self, script: &redis::Script, cid: &str, user: &str, conn: &str) -> StoreResult<WatchChange> {
        let keys = [self.key("watch", cid), self.key("wcount", cid), self.key("cwatch", conn)];
        let (edge, count): (i64, i64) =
            self.run(|mut c| async move { script.key(&keys).arg(conn).arg(user).arg(cid).invoke_async(&mut c).await }).await?;
        Ok(WatchChange { user_edge: edge == 1, watcher_count: count.max(0) as usize })
    }
}
