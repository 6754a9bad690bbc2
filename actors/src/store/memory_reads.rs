//! [`ReadStore`] for the [`MemoryStore`]: read states in the store's one map, under its lock
//! (nothing awaits while it is held). Only current members are reported; a member's state is
//! dropped when they leave and a channel's when it is deleted (in `memory.rs`).

use super::memory::MemoryStore;
use super::{ReadStore, StoreResult};
use async_trait::async_trait;
use herald_proto::read::ReadState;

#[async_trait]
impl ReadStore for MemoryStore {
    async fn channel_reads(&self, cid: &str) -> StoreResult<Vec<ReadState>> {
        let state = self.lock();
        let reads = state.reads.get(cid);
        let Some(members) = state.members.get(cid) else { return Ok(Vec::new()) };
        Ok(members
            .keys()
            .map(|user| reads.and_then(|r| r.get(user)).cloned().unwrap_or_else(|| ReadState::unread_nothing(cid, user)))
            .collect())
    }

    async fn user_reads(&self, user_id: &str) -> StoreResult<Vec<ReadState>> {
        let state = self.lock();
        let Some(cids) = state.memberships.get(user_id) else { return Ok(Vec::new()) };
        Ok(cids
            .iter()
            .map(|cid| {
                let stored = state.reads.get(cid).and_then(|r| r.get(user_id)).cloned();
                stored.unwrap_or_else(|| ReadState::unread_nothing(cid, user_id))
            })
            .collect())
    }

    async fn read_state(&self, cid: &str, user_id: &str) -> StoreResult<ReadState> {
        let state = self.lock();
        let stored = state.reads.get(cid).and_then(|r| r.get(user_id)).cloned();
        Ok(stored.unwrap_or_else(|| ReadState::unread_nothing(cid, user_id)))
    }

    async fn mark_read(&self, cid: &str, user_id: &str, at: &str, message_id: Option<&str>) -> StoreResult<ReadState> {
        let read = ReadState::read_at(cid, user_id, at, message_id);
        self.lock().reads.entry(cid.to_owned()).or_default().insert(user_id.to_owned(), read.clone());
        Ok(read)
    }

    async fn set_read(&self, read: &ReadState) -> StoreResult<()> {
        self.lock().reads.entry(read.cid.clone()).or_default().insert(read.user_id.clone(), read.clone());
        Ok(())
    }

    async fn count_message(&self, cid: &str, sender: &str, at: &str, at_ms: u64) -> StoreResult<()> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let Some(members) = state.members.get(cid) else { return Ok(()) };
        let reads = state.reads.entry(cid.to_owned()).or_default();
        let mutes = &state.channel_mutes;
        let muted = |user: &String| mutes.get(user).and_then(|m| m.get(cid)).is_some_and(|m| !m.expired(at));
        for user in members.keys().filter(|u| *u != sender && !muted(u)) {
            reads.entry(user.clone()).or_insert_with(|| ReadState::unread_nothing(cid, user)).unread_messages += 1;
            state.unread_pending.entry(user.clone()).or_insert(at_ms);
        }
        Ok(())
    }

    async fn unread_reminders_due(&self, until_ms: u64, limit: usize) -> StoreResult<Vec<String>> {
        let state = self.lock();
        let mut due: Vec<(u64, &String)> = state.unread_pending.iter().filter(|(_, at)| **at <= until_ms).map(|(u, at)| (*at, u)).collect();
        due.sort();
        Ok(due.into_iter().take(limit).map(|(_, u)| u.clone()).collect())
    }

    async fn take_unread_reminder(&self, user_id: &str) -> StoreResult<bool> {
        Ok(self.lock().unread_pending.remove(user_id).is_some())
    }

    async fn reset_reads(&self, cid: &str, at: &str) -> StoreResult<()> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let Some(members) = state.members.get(cid) else { return Ok(()) };
        let reads = state.reads.entry(cid.to_owned()).or_default();
        for user in members.keys() {
            let read = reads.entry(user.clone()).or_insert_with(|| ReadState::unread_nothing(cid, user));
            read.last_read = at.to_owned();
            read.last_read_message_id = None;
            read.unread_messages = 0;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use herald_proto::channel::MemberRecord;

    fn member(_cid: &str, user: &str) -> MemberRecord {
        serde_json::from_value(serde_json::json!({"user_id": user, "channel_role": "channel_member", "created_at": "t", "updated_at": "t"}))
            .expect("a member record")
    }

    #[tokio::test]
    async fn messages_count_for_members_but_the_sender_and_reads_reset() {
        let s = MemoryStore::new("t");
        s.upsert_members("c", vec![member("c", "a"), member("c", "b")]).await.unwrap();
        s.count_message("c", "a", "t1", 10).await.unwrap();
        s.count_message("c", "a", "t2", 20).await.unwrap();
        assert_eq!(s.unread_reminders_due(9, 10).await.unwrap(), Vec::<String>::new());
        assert_eq!(s.unread_reminders_due(10, 10).await.unwrap(), vec!["b".to_owned()], "queued once, at the first message");
        assert!(s.take_unread_reminder("b").await.unwrap() && !s.take_unread_reminder("b").await.unwrap());
        let unread = |reads: Vec<ReadState>| reads.iter().map(|r| (r.user_id.clone(), r.unread_messages)).collect::<Vec<_>>();
        assert_eq!(unread(s.channel_reads("c").await.unwrap()), vec![("a".into(), 0), ("b".into(), 2)]);
        assert_eq!(s.user_reads("b").await.unwrap()[0].unread_messages, 2);
        let read = s.mark_read("c", "b", "t2", Some("m1")).await.unwrap();
        assert_eq!((read.unread_messages, read.last_read_message_id.as_deref()), (0, Some("m1")));
        s.count_message("c", "b", "t3", 30).await.unwrap();
        s.reset_reads("c", "t3").await.unwrap();
        assert!(s.channel_reads("c").await.unwrap().iter().all(|r| r.unread_messages == 0 && r.last_read == "t3"));
        s.remove_members("c", &["b".into()]).await.unwrap();
        assert!(s.user_reads("b").await.unwrap().is_empty());
        assert_eq!(s.read_state("c", "b").await.unwrap(), ReadState::unread_nothing("c", "b"));
    }
}
