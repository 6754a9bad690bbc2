//! The Redis [`RecordStore`]: moderation records (bans, user mutes, flags, reminders, tasks) and
//! their schedules, shared by every node.
//!
//! Keys (prefix `p`): `p:rec:{family}` hash key → record JSON; `p:due:{family}` sorted set of keys
//! scored by due time (Unix ms). Updates are the store's compare-and-set loop; a delete returns
//! what it removed in one Lua call; a due key is claimed by the one `ZREM` that removes it, so a
//! reminder fires on exactly one node.

use super::store::{decode, RedisStore};
use async_trait::async_trait;
use herald_actors::store::{RecordStore, RecordUpdate, StoreResult};
use redis::{AsyncCommands, Script};
use serde_json::Value;
use std::sync::LazyLock;

/// HGET then HDEL in one step: returns the removed value (or nil).
static TAKE_FIELD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then redis.call('HDEL', KEYS[1], ARGV[1]) end
return v",
    )
});

impl RedisStore {
    fn records_key(&self, family: &str) -> String {
        self.key("rec", family)
    }
    fn due_key(&self, family: &str) -> String {
        self.key("due", family)
    }
}

#[async_trait]
impl RecordStore for RedisStore {
    async fn get_record(&self, family: &str, key: &str) -> StoreResult<Option<Value>> {
        self.hget(&self.records_key(family), key).await
    }

    async fn get_records(&self, family: &str, keys: &[String]) -> StoreResult<Vec<Option<Value>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut hmget = redis::cmd("HMGET");
        hmget.arg(self.records_key(family)).arg(keys);
        let raw: Vec<Option<String>> = self.run(|mut c| async move { hmget.query_async(&mut c).await }).await?;
        raw.iter().map(|r| r.as_deref().map(decode).transpose()).collect()
    }

    async fn update_record(&self, family: &str, key: &str, f: RecordUpdate<'_>) -> StoreResult<(Option<Value>, Option<Value>)> {
        self.swap_field(&self.records_key(family), key, f).await
    }

    async fn delete_record(&self, family: &str, key: &str) -> StoreResult<Option<Value>> {
        let hash = self.records_key(family);
        let raw: Option<String> = self.run(|mut c| async move { TAKE_FIELD.key(hash).arg(key).invoke_async(&mut c).await }).await?;
        raw.map(|r| decode(&r)).transpose()
    }

    async fn list_records(&self, family: &str) -> StoreResult<Vec<(String, Value)>> {
        let hash = self.records_key(family);
        let raw: Vec<(String, String)> = self.run(|mut c| async move { c.hgetall(hash).await }).await?;
        let mut out: Vec<(String, Value)> = raw.into_iter().map(|(k, v)| Ok((k, decode(&v)?))).collect::<StoreResult<_>>()?;
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    async fn schedule(&self, family: &str, key: &str, at_ms: i64) -> StoreResult<()> {
        let zset = self.due_key(family);
        self.run(|mut c| async move { c.zadd::<_, _, _, ()>(zset, key, at_ms).await }).await
    }

    async fn unschedule(&self, family: &str, key: &str) -> StoreResult<()> {
        let zset = self.due_key(family);
        self.run(|mut c| async move { c.zrem::<_, _, ()>(zset, key).await }).await
    }

    async fn claim_due(&self, family: &str, now_ms: i64, limit: usize) -> StoreResult<Vec<String>> {
        let zset = self.due_key(family);
        let due: Vec<String> = {
            let zset = zset.clone();
            self.run(|mut c| async move { c.zrangebyscore_limit(zset, "-inf", now_ms, 0, limit as isize).await }).await?
        };
        let mut claimed = Vec::new();
        for key in due {
            let zset = zset.clone();
            let k = key.clone();
            let removed: i64 = self.run(|mut c| async move { c.zrem(zset, k).await }).await?;
            if removed == 1 {
                claimed.push(key);
            }
        }
        Ok(claimed)
    }
}
