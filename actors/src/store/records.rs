//! RecordStore: small JSON records kept by family (bans, user mutes, flags, reminders, tasks),
//! and per-family schedules of keys due at a time (reminders).
//!
//! Part of [`super::Store`] so `Arc<dyn Store>` reaches it; the memory implementation is in
//! `memory_records.rs`, the Redis one in the server crate (`cluster/records.rs`). The moderation
//! modules of [`crate::chat`] own the record shapes; the store only keeps JSON. Updates are one
//! store call with a pure closure (it may run more than once, as for users).

use super::StoreResult;
use async_trait::async_trait;
use serde_json::Value;

/// A record update: given the current record (if any), the new one (None = leave as is).
pub type RecordUpdate<'a> = &'a (dyn Fn(Option<&Value>) -> Option<Value> + Send + Sync);

#[async_trait]
pub trait RecordStore: Send + Sync {
    async fn get_record(&self, family: &str, key: &str) -> StoreResult<Option<Value>>;
    /// Several records of one family at once (one round trip), in the order of `keys`.
    async fn get_records(&self, family: &str, keys: &[String]) -> StoreResult<Vec<Option<Value>>>;
    /// Atomically replaces a record with `f(current)`; returns it before and after.
    async fn update_record(&self, family: &str, key: &str, f: RecordUpdate<'_>) -> StoreResult<(Option<Value>, Option<Value>)>;
    /// Removes a record; returns it.
    async fn delete_record(&self, family: &str, key: &str) -> StoreResult<Option<Value>>;
    /// Every record of a family with its key, sorted by key.
    async fn list_records(&self, family: &str) -> StoreResult<Vec<(String, Value)>>;
    /// Schedules (or moves) `key` of `family` to be due at `at_ms` (Unix milliseconds).
    async fn schedule(&self, family: &str, key: &str, at_ms: i64) -> StoreResult<()>;
    /// Removes `key` from the family's schedule.
    async fn unschedule(&self, family: &str, key: &str) -> StoreResult<()>;
    /// Claims up to `limit` keys due at or before `now_ms`, removing them from the schedule. A key
    /// is claimed by exactly one caller, however many nodes ask at once.
    async fn claim_due(&self, family: &str, now_ms: i64, limit: usize) -> StoreResult<Vec<String>>;
}
