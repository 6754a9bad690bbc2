//! The memory [`RecordStore`]: one std mutex over per-family maps; never held across an await.

use super::records::{RecordStore, RecordUpdate};
use super::{MemoryStore, StoreResult};
use async_trait::async_trait;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
pub struct Records {
    state: Mutex<RecordState>,
}

#[derive(Default)]
struct RecordState {
    /// family → key → record
    records: HashMap<String, BTreeMap<String, Value>>,
    /// family → (due ms, key); family → key → due ms
    due: HashMap<String, BTreeSet<(i64, String)>>,
    due_of: HashMap<String, HashMap<String, i64>>,
}

impl Records {
    fn lock(&self) -> MutexGuard<'_, RecordState> {
        self.state.lock().expect("record store lock poisoned")
    }
}

#[async_trait]
impl RecordStore for MemoryStore {
    async fn get_record(&self, family: &str, key: &str) -> StoreResult<Option<Value>> {
        Ok(self.records().lock().records.get(family).and_then(|f| f.get(key)).cloned())
    }

    async fn get_records(&self, family: &str, keys: &[String]) -> StoreResult<Vec<Option<Value>>> {
        let state = self.records().lock();
        let found = state.records.get(family);
        Ok(keys.iter().map(|k| found.and_then(|f| f.get(k)).cloned()).collect())
    }

    async fn update_record(&self, family: &str, key: &str, f: RecordUpdate<'_>) -> StoreResult<(Option<Value>, Option<Value>)> {
        let mut state = self.records().lock();
        let records = state.records.entry(family.to_owned()).or_default();
        let before = records.get(key).cloned();
        match f(before.as_ref()) {
            Some(new) => {
                records.insert(key.to_owned(), new.clone());
                Ok((before, Some(new)))
            }
            None => Ok((before.clone(), before)),
        }
    }

    async fn delete_record(&self, family: &str, key: &str) -> StoreResult<Option<Value>> {
        Ok(self.records().lock().records.get_mut(family).and_then(|f| f.remove(key)))
    }

    async fn list_records(&self, family: &str) -> StoreResult<Vec<(String, Value)>> {
        let state = self.records().lock();
        Ok(state.records.get(family).map(|f| f.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default())
    }

    async fn schedule(&self, family: &str, key: &str, at_ms: i64) -> StoreResult<()> {
        let mut state = self.records().lock();
        let state = &mut *state;
        let due = state.due.entry(family.to_owned()).or_default();
        if let Some(old) = state.due_of.entry(family.to_owned()).or_default().insert(key.to_owned(), at_ms) {
            due.remove(&(old, key.to_owned()));
        }
        due.insert((at_ms, key.to_owned()));
        Ok(())
    }

    async fn unschedule(&self, family: &str, key: &str) -> StoreResult<()> {
        let mut state = self.records().lock();
        if let Some(old) = state.due_of.get_mut(family).and_then(|d| d.remove(key)) {
            if let Some(due) = state.due.get_mut(family) {
                due.remove(&(old, key.to_owned()));
            }
        }
        Ok(())
    }

    async fn claim_due(&self, family: &str, now_ms: i64, limit: usize) -> StoreResult<Vec<String>> {
        let mut state = self.records().lock();
        let state = &mut *state;
        let Some(due) = state.due.get_mut(family) else { return Ok(Vec::new()) };
        let claimed: Vec<(i64, String)> = due.iter().take_while(|(at, _)| *at <= now_ms).take(limit).cloned().collect();
        for entry in &claimed {
            due.remove(entry);
            if let Some(of) = state.due_of.get_mut(family) {
                of.remove(&entry.1);
            }
        }
        Ok(claimed.into_iter().map(|(_, k)| k).collect())
    }
}
