//! The durable webhook queue of a cluster: one Redis stream per lane, read through a consumer
//! group, so a delivery a node took but did not finish stays pending in Redis.
//!
//! Keys (prefix `p`): `p:whq:{hook}:{lane}` stream of `job` JSON entries (group `herald`, one
//! consumer per node); `p:whlease:{hook}:{lane}` the owning node (expires unless renewed);
//! `p:whlanes` set of `{lane}|{hook}` naming every lane ever used; `p:whdead` list of dead
//! letters, newest first. Only the lease owner reads a lane, so order is kept; a new owner
//! XAUTOCLAIMs whatever the previous owner (killed mid-delivery) left pending and delivers it first.

use super::store::RedisStore;
use crate::webhooks::queue::{DeadLetter, Job, Lane, QueueError, QueueResult, WebhookQueue};
use async_trait::async_trait;
use redis::Value;
use std::sync::Arc;
use std::time::Duration;

const GROUP: &str = "herald";

/// Takes the lease when free, renews it when ours. KEYS[1] lease, ARGV[1] node, ARGV[2] ms.
const HOLD: &str = r#"
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not owner then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0"#;

/// Drops the lease when ours. KEYS[1] lease, ARGV[1] node.
const RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0"#;

/// Removes and returns the dead letters whose job id is among ARGV (all when ARGV is empty),
/// newest first. KEYS[1] the dead-letter list.
const TAKE_DEAD: &str = r#"
local taken = {}
local wanted = {}
for _, id in ipairs(ARGV) do wanted[id] = true end
for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local ok, letter = pcall(cjson.decode, raw)
  if #ARGV == 0 or (ok and letter.job and wanted[letter.job.id]) then
    redis.call('LREM', KEYS[1], 1, raw)
    taken[#taken + 1] = raw
  end
end
return taken"#;

pub struct RedisQueue {
    store: Arc<RedisStore>,
    lease: Duration,
    dead_kept: usize,
}

impl RedisQueue {
    pub fn new(store: Arc<RedisStore>, lease: Duration, dead_kept: usize) -> RedisQueue {
        RedisQueue { store, lease, dead_kept }
    }

    fn stream(&self, lane: &Lane) -> String {
        self.store.key("whq", &format!("{}:{}", lane.hook_id, lane.lane))
    }

    fn lease_key(&self, lane: &Lane) -> String {
        self.store.key("whlease", &format!("{}:{}", lane.hook_id, lane.lane))
    }

    async fn cmd<T: redis::FromRedisValue + Send + 'static>(&self, cmd: redis::Cmd) -> QueueResult<T> {
        self.store.run(|mut c| async move { cmd.query_async(&mut c).await }).await.map_err(|e| QueueError(e.to_string()))
    }

    async fn pipe(&self, pipe: redis::Pipeline) -> QueueResult<()> {
        self.store.run(|mut c| async move { pipe.query_async::<()>(&mut c).await }).await.map_err(|e| QueueError(e.to_string()))
    }

    async fn ensure_group(&self, stream: &str) -> QueueResult<()> {
        let mut cmd = redis::cmd("XGROUP");
        cmd.arg("CREATE").arg(stream).arg(GROUP).arg("0").arg("MKSTREAM");
        match self.cmd::<Value>(cmd).await {
            Ok(_) => Ok(()),
            Err(e) if e.0.contains("BUSYGROUP") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// XREADGROUP from `start` (`0`: our pending entries; `>`: new ones), one entry.
    async fn read(&self, stream: &str, start: &str) -> QueueResult<Option<(String, Option<Job>)>> {
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP").arg(GROUP).arg(&self.store.node).arg("COUNT").arg(1).arg("STREAMS").arg(stream).arg(start);
        let reply: Value = self.cmd(cmd).await?;
        Ok(first_entry(&reply))
    }
}

/// The first entry of an XREADGROUP reply: its id and the `job` field (None when the entry's
/// data is gone).
fn first_entry(reply: &Value) -> Option<(String, Option<Job>)> {
    let streams = items(reply)?;
    let stream = items(streams.first()?)?;
    let entries = items(stream.get(1)?)?;
    let entry = items(entries.first()?)?;
    let id = text(entry.first()?)?;
    let job = entry
        .get(1)
        .and_then(items)
        .and_then(|fields| fields.chunks(2).find(|kv| text(&kv[0]).as_deref() == Some("job")).and_then(|kv| kv.get(1)).and_then(text));
    Some((id, job.and_then(|j| serde_json::from_str(&j).ok())))
}

fn items(v: &Value) -> Option<&Vec<Value>> {
    match v {
        Value::Array(a) | Value::Set(a) => Some(a),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn encode<T: serde::Serialize>(v: &T) -> QueueResult<String> {
    serde_json::to_string(v).map_err(|e| QueueError(e.to_string()))
}

#[async_trait]
impl WebhookQueue for RedisQueue {
    /// XADD and SADD in one round trip.
    async fn push(&self, lane: &Lane, job: &Job) -> QueueResult<()> {
        let mut pipe = redis::pipe();
        pipe.cmd("XADD").arg(self.stream(lane)).arg("*").arg("job").arg(encode(job)?).ignore();
        pipe.cmd("SADD").arg(self.store.key("whlanes", "")).arg(format!("{}|{}", lane.lane, lane.hook_id)).ignore();
        self.pipe(pipe).await
    }

    async fn hold(&self, lane: &Lane) -> QueueResult<bool> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(HOLD).arg(1).arg(self.lease_key(lane)).arg(&self.store.node).arg(self.lease.as_millis() as u64);
        Ok(self.cmd::<i64>(cmd).await? == 1)
    }

    async fn release(&self, lane: &Lane) -> QueueResult<()> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(RELEASE).arg(1).arg(self.lease_key(lane)).arg(&self.store.node);
        let _: Value = self.cmd(cmd).await?;
        Ok(())
    }

    async fn take_over(&self, lane: &Lane) -> QueueResult<()> {
        let stream = self.stream(lane);
        self.ensure_group(&stream).await?;
        let mut cursor = "0-0".to_owned();
        loop {
            let mut cmd = redis::cmd("XAUTOCLAIM");
            cmd.arg(&stream).arg(GROUP).arg(&self.store.node).arg(0).arg(&cursor).arg("COUNT").arg(100).arg("JUSTID");
            let reply: Value = self.cmd(cmd).await?;
            let next = items(&reply).and_then(|r| r.first()).and_then(text).unwrap_or_else(|| "0-0".into());
            if next == "0-0" {
                return Ok(());
            }
            cursor = next;
        }
    }

    async fn next(&self, lane: &Lane) -> QueueResult<Option<(String, Job)>> {
        let stream = self.stream(lane);
        for start in ["0", ">"] {
            let entry = match self.read(&stream, start).await {
                Err(e) if e.0.contains("NOGROUP") => {
                    self.ensure_group(&stream).await?;
                    self.read(&stream, start).await?
                }
                other => other?,
            };
            match entry {
                Some((id, Some(job))) => return Ok(Some((id, job))),
                Some((id, None)) => self.ack(lane, &id).await?,
                None => {}
            }
        }
        Ok(None)
    }

    /// XACK and XDEL in one round trip.
    async fn ack(&self, lane: &Lane, entry: &str) -> QueueResult<()> {
        let stream = self.stream(lane);
        let mut pipe = redis::pipe();
        pipe.cmd("XACK").arg(&stream).arg(GROUP).arg(entry).ignore();
        pipe.cmd("XDEL").arg(&stream).arg(entry).ignore();
        self.pipe(pipe).await
    }

    async fn dead_letter(&self, letter: &DeadLetter) -> QueueResult<()> {
        let key = self.store.key("whdead", "");
        let mut lpush = redis::cmd("LPUSH");
        lpush.arg(&key).arg(encode(letter)?);
        let _: Value = self.cmd(lpush).await?;
        let mut ltrim = redis::cmd("LTRIM");
        ltrim.arg(&key).arg(0).arg(self.dead_kept.saturating_sub(1));
        let _: Value = self.cmd(ltrim).await?;
        Ok(())
    }

    async fn dead_letters(&self, limit: usize) -> QueueResult<Vec<DeadLetter>> {
        let mut cmd = redis::cmd("LRANGE");
        cmd.arg(self.store.key("whdead", "")).arg(0).arg(limit.saturating_sub(1));
        let raw: Vec<String> = self.cmd(cmd).await?;
        Ok(raw.iter().filter_map(|r| serde_json::from_str(r).ok()).collect())
    }

    async fn take_dead_letters(&self, ids: &[String]) -> QueueResult<Vec<DeadLetter>> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(TAKE_DEAD).arg(1).arg(self.store.key("whdead", "")).arg(ids);
        let raw: Vec<String> = self.cmd(cmd).await?;
        Ok(raw.iter().rev().filter_map(|r| serde_json::from_str(r).ok()).collect())
    }

    async fn known_lanes(&self) -> QueueResult<Vec<Lane>> {
        let mut cmd = redis::cmd("SMEMBERS");
        cmd.arg(self.store.key("whlanes", ""));
        let raw: Vec<String> = self.cmd(cmd).await?;
        Ok(raw
            .iter()
            .filter_map(|r| {
                let (lane, hook) = r.split_once('|')?;
                Some(Lane { hook_id: hook.to_owned(), lane: lane.parse().ok()? })
            })
            .collect())
    }
}
