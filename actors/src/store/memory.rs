//! MemoryStore: the embedded store, one std mutex over plain maps. No call awaits while holding
//! the lock, so it is never held across a suspension point.

use super::{ChannelUpdate, EventBuild, MessageUpdate, Store, StoreResult, UserUpdate, WatchChange};
use async_trait::async_trait;
use herald_proto::channel::{ChannelRecord, ChannelTypeConfig, MemberRecord};
use herald_proto::message::{MessageCursor, MessageRecord};
use herald_proto::user::User;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
pub(super) struct State {
    users: BTreeMap<String, User>,
    channel_types: BTreeMap<String, ChannelTypeConfig>,
    channels: BTreeMap<String, ChannelRecord>,
    /// cid → user id → member
    pub(super) members: HashMap<String, BTreeMap<String, MemberRecord>>,
    /// user id → cids
    pub(super) memberships: HashMap<String, BTreeSet<String>>,
    /// cid → user id → connection ids
    watchers: HashMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// user id → connection ids
    connections: HashMap<String, BTreeSet<String>>,
    /// cid → conversation events (id, JSON), oldest first
    conversation_events: HashMap<String, EventList>,
    /// message id → message
    pub(super) messages: HashMap<String, MessageRecord>,
    /// cid → message ids, oldest first
    pub(super) channel_messages: HashMap<String, VecDeque<String>>,
    /// cid → user id → read state (see `memory_reads.rs`)
    pub(super) reads: HashMap<String, HashMap<String, herald_proto::read::ReadState>>,
    /// user id → Unix ms of the first unread message of the period (unread-reminder queue)
    pub(super) unread_pending: HashMap<String, u64>,
    /// cid → users who hid it; user id → cid → channel mute (see `memory_lifecycle.rs`)
    pub(super) hidden: HashMap<String, BTreeSet<String>>,
    /// (cid, user id) → when the user cleared the channel's history
    pub(super) history_cleared: HashMap<(String, String), String>,
    pub(super) channel_mutes: HashMap<String, BTreeMap<String, herald_proto::lifecycle::ChannelMute>>,
}

#[derive(Default)]
struct EventList {
    last_id: u64,
    events: VecDeque<(u64, String)>,
}

#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
    /// App settings and user blocks ([`super::app`]).
    pub(super) app: Mutex<super::app::AppState>,
    /// Moderation records and schedules ([`super::records::RecordStore`]).
    records: super::memory_records::Records,
}

impl MemoryStore {
    /// A store holding the built-in channel types.
    pub fn new(now: &str) -> MemoryStore {
        let store = MemoryStore::default();
        {
            let mut state = store.lock();
            for t in ChannelTypeConfig::built_ins(now) {
                state.channel_types.insert(t.name.clone(), t);
            }
        }
        store
    }

    pub(super) fn records(&self) -> &super::memory_records::Records {
        &self.records
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("store lock poisoned")
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn get_user(&self, id: &str) -> StoreResult<Option<User>> {
        Ok(self.lock().users.get(id).cloned())
    }

    async fn get_users(&self, ids: &[String]) -> StoreResult<Vec<User>> {
        let state = self.lock();
        Ok(ids.iter().filter_map(|id| state.users.get(id).cloned()).collect())
    }

    async fn update_user(&self, id: &str, f: UserUpdate<'_>) -> StoreResult<Option<User>> {
        let mut state = self.lock();
        if let Some(new) = f(state.users.get(id)) {
            state.users.insert(id.to_owned(), new);
        }
        Ok(state.users.get(id).cloned())
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        Ok(self.lock().users.values().cloned().collect())
    }

    async fn get_channel_type(&self, name: &str) -> StoreResult<Option<ChannelTypeConfig>> {
        Ok(self.lock().channel_types.get(name).cloned())
    }

    async fn list_channel_types(&self) -> StoreResult<Vec<ChannelTypeConfig>> {
        Ok(self.lock().channel_types.values().cloned().collect())
    }

    async fn put_channel_type(&self, config: ChannelTypeConfig) -> StoreResult<()> {
        self.lock().channel_types.insert(config.name.clone(), config);
        Ok(())
    }

    async fn delete_channel_type(&self, name: &str) -> StoreResult<bool> {
        Ok(self.lock().channel_types.remove(name).is_some())
    }

    async fn get_channel(&self, cid: &str) -> StoreResult<Option<ChannelRecord>> {
        Ok(self.lock().channels.get(cid).cloned())
    }

    async fn create_channel(&self, channel: ChannelRecord) -> StoreResult<(ChannelRecord, bool)> {
        let mut state = self.lock();
        if let Some(existing) = state.channels.get(&channel.cid) {
            return Ok((existing.clone(), false));
        }
        state.channels.insert(channel.cid.clone(), channel.clone());
        Ok((channel, true))
    }

    async fn update_channel(&self, cid: &str, f: ChannelUpdate<'_>) -> StoreResult<Option<ChannelRecord>> {
        let mut state = self.lock();
        let Some(current) = state.channels.get(cid) else { return Ok(None) };
        if let Some(new) = f(current) {
            state.channels.insert(cid.to_owned(), new);
        }
        Ok(state.channels.get(cid).cloned())
    }

    async fn delete_channel(&self, cid: &str) -> StoreResult<Option<ChannelRecord>> {
        let mut state = self.lock();
        let deleted = state.channels.remove(cid);
        if let Some(members) = state.members.remove(cid) {
            for user in members.keys() {
                if let Some(set) = state.memberships.get_mut(user) {
                    set.remove(cid);
                }
            }
        }
        state.watchers.remove(cid);
        state.reads.remove(cid);
        state.conversation_events.remove(cid);
        for id in state.channel_messages.remove(cid).unwrap_or_default() {
            state.messages.remove(&id);
        }
        Ok(deleted)
    }

    async fn list_channels(&self) -> StoreResult<Vec<ChannelRecord>> {
        Ok(self.lock().channels.values().cloned().collect())
    }

    async fn type_in_use(&self, kind: &str) -> StoreResult<bool> {
        Ok(self.lock().channels.values().any(|c| c.kind == kind))
    }

    async fn get_members(&self, cid: &str) -> StoreResult<Vec<MemberRecord>> {
        Ok(self.lock().members.get(cid).map(|m| m.values().cloned().collect()).unwrap_or_default())
    }

    async fn get_member(&self, cid: &str, user_id: &str) -> StoreResult<Option<MemberRecord>> {
        Ok(self.lock().members.get(cid).and_then(|m| m.get(user_id)).cloned())
    }

    async fn upsert_members(&self, cid: &str, members: Vec<MemberRecord>) -> StoreResult<Vec<(MemberRecord, bool)>> {
        let mut state = self.lock();
        let mut out = Vec::with_capacity(members.len());
        for member in members {
            let user = member.user_id.clone();
            let created = state.members.entry(cid.to_owned()).or_default().insert(user.clone(), member.clone()).is_none();
            state.memberships.entry(user).or_default().insert(cid.to_owned());
            out.push((member, created));
        }
        Ok(out)
    }

    async fn remove_members(&self, cid: &str, user_ids: &[String]) -> StoreResult<Vec<MemberRecord>> {
        let mut state = self.lock();
        let mut removed = Vec::new();
        for user in user_ids {
            if let Some(m) = state.members.get_mut(cid).and_then(|m| m.remove(user)) {
                removed.push(m);
            }
            if let Some(set) = state.memberships.get_mut(user) {
                set.remove(cid);
            }
            if let Some(reads) = state.reads.get_mut(cid) {
                reads.remove(user);
            }
        }
        Ok(removed)
    }

    async fn member_count(&self, cid: &str) -> StoreResult<usize> {
        Ok(self.lock().members.get(cid).map_or(0, |m| m.len()))
    }

    async fn channels_of_member(&self, user_id: &str) -> StoreResult<Vec<String>> {
        Ok(self.lock().memberships.get(user_id).map(|s| s.iter().cloned().collect()).unwrap_or_default())
    }

    async fn add_watcher(&self, cid: &str, user_id: &str, conn: &str) -> StoreResult<WatchChange> {
        let mut state = self.lock();
        let users = state.watchers.entry(cid.to_owned()).or_default();
        let conns = users.entry(user_id.to_owned()).or_default();
        let user_edge = conns.is_empty();
        conns.insert(conn.to_owned());
        Ok(WatchChange { user_edge, watcher_count: users.len() })
    }

    async fn remove_watcher(&self, cid: &str, user_id: &str, conn: &str) -> StoreResult<WatchChange> {
        let mut state = self.lock();
        let Some(users) = state.watchers.get_mut(cid) else { return Ok(WatchChange { user_edge: false, watcher_count: 0 }) };
        let mut user_edge = false;
        if let Some(conns) = users.get_mut(user_id) {
            if conns.remove(conn) && conns.is_empty() {
                users.remove(user_id);
                user_edge = true;
            }
        }
        let watcher_count = users.len();
        if watcher_count == 0 {
            state.watchers.remove(cid);
        }
        Ok(WatchChange { user_edge, watcher_count })
    }

    async fn watcher_count(&self, cid: &str) -> StoreResult<usize> {
        Ok(self.lock().watchers.get(cid).map_or(0, |u| u.len()))
    }

    async fn watchers(&self, cid: &str, limit: usize) -> StoreResult<Vec<String>> {
        Ok(self.lock().watchers.get(cid).map(|u| u.keys().take(limit).cloned().collect()).unwrap_or_default())
    }

    async fn append_conversation_event(&self, cid: &str, build: EventBuild<'_>, keep: usize) -> StoreResult<u64> {
        let mut state = self.lock();
        let list = state.conversation_events.entry(cid.to_owned()).or_default();
        list.last_id += 1;
        let id = list.last_id;
        list.events.push_back((id, build(id)));
        while list.events.len() > keep {
            list.events.pop_front();
        }
        Ok(id)
    }

    async fn conversation_events(&self, cid: &str, cursor: Option<u64>, limit: usize, descending: bool) -> StoreResult<Vec<String>> {
        let state = self.lock();
        let Some(list) = state.conversation_events.get(cid) else { return Ok(Vec::new()) };
        let page: Vec<String> = if descending {
            let before = cursor.unwrap_or(u64::MAX);
            list.events.iter().rev().filter(|(id, _)| *id < before).take(limit).map(|(_, e)| e.clone()).collect()
        } else {
            let after = cursor.unwrap_or(0);
            list.events.iter().filter(|(id, _)| *id > after).take(limit).map(|(_, e)| e.clone()).collect()
        };
        Ok(page)
    }

    async fn insert_message(&self, message: &MessageRecord, keep: usize) -> StoreResult<bool> {
        let mut state = self.lock();
        if state.messages.contains_key(&message.id) {
            return Ok(false);
        }
        state.messages.insert(message.id.clone(), message.clone());
        let order = state.channel_messages.entry(message.cid.clone()).or_default();
        order.push_back(message.id.clone());
        let mut dropped = Vec::new();
        while order.len() > keep.max(1) {
            dropped.extend(order.pop_front());
        }
        for id in dropped {
            state.messages.remove(&id);
        }
        Ok(true)
    }

    async fn get_message(&self, id: &str) -> StoreResult<Option<MessageRecord>> {
        Ok(self.lock().messages.get(id).cloned())
    }

    async fn update_message(&self, id: &str, f: MessageUpdate<'_>) -> StoreResult<Option<(MessageRecord, MessageRecord)>> {
        let mut state = self.lock();
        let Some(current) = state.messages.get_mut(id) else { return Ok(None) };
        let before = current.clone();
        if let Some(new) = f(current) {
            *current = new;
        }
        Ok(Some((before, current.clone())))
    }

    async fn delete_message(&self, id: &str) -> StoreResult<Option<MessageRecord>> {
        let mut state = self.lock();
        let Some(message) = state.messages.remove(id) else { return Ok(None) };
        if let Some(order) = state.channel_messages.get_mut(&message.cid) {
            order.retain(|m| m != id);
        }
        Ok(Some(message))
    }

    async fn channel_messages(&self, cid: &str, cursor: MessageCursor<'_>, limit: usize) -> StoreResult<Vec<MessageRecord>> {
        let state = self.lock();
        let Some(order) = state.channel_messages.get(cid) else { return Ok(Vec::new()) };
        let position = |id: &str| order.iter().position(|m| m == id);
        let range = match cursor {
            MessageCursor::Latest => order.len().saturating_sub(limit)..order.len(),
            MessageCursor::Before(id) => match position(id) {
                Some(end) => end.saturating_sub(limit)..end,
                None => 0..0,
            },
            MessageCursor::After(id) => match position(id) {
                Some(at) => at + 1..(at + 1 + limit).min(order.len()),
                None => 0..0,
            },
        };
        Ok(order.range(range).filter_map(|id| state.messages.get(id).cloned()).collect())
    }

    async fn add_connection(&self, user_id: &str, conn: &str) -> StoreResult<bool> {
        let mut state = self.lock();
        let conns = state.connections.entry(user_id.to_owned()).or_default();
        let first = conns.is_empty();
        conns.insert(conn.to_owned());
        Ok(first)
    }

    async fn remove_connection(&self, user_id: &str, conn: &str) -> StoreResult<bool> {
        let mut state = self.lock();
        let Some(conns) = state.connections.get_mut(user_id) else { return Ok(false) };
        let last = conns.remove(conn) && conns.is_empty();
        if conns.is_empty() {
            state.connections.remove(user_id);
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_rt::test]
    async fn watchers_count_distinct_users() {
        let s = MemoryStore::new("t");
        assert_eq!(s.add_watcher("c", "a", "1").await.unwrap(), WatchChange { user_edge: true, watcher_count: 1 });
        assert_eq!(s.add_watcher("c", "a", "2").await.unwrap(), WatchChange { user_edge: false, watcher_count: 1 });
        assert_eq!(s.add_watcher("c", "b", "3").await.unwrap(), WatchChange { user_edge: true, watcher_count: 2 });
        assert_eq!(s.remove_watcher("c", "a", "1").await.unwrap(), WatchChange { user_edge: false, watcher_count: 2 });
        assert_eq!(s.remove_watcher("c", "a", "2").await.unwrap(), WatchChange { user_edge: true, watcher_count: 1 });
        assert_eq!(s.remove_watcher("c", "a", "2").await.unwrap(), WatchChange { user_edge: false, watcher_count: 1 });
        assert_eq!(s.watchers("c", 10).await.unwrap(), vec!["b".to_string()]);
    }

    fn message(id: &str, cid: &str) -> MessageRecord {
        MessageRecord {
            id: id.into(),
            cid: cid.into(),
            kind: "regular".into(),
            user_id: "a".into(),
            text: id.into(),
            attachments: Vec::new(),
            mentioned_users: Vec::new(),
            silent: false,
            created_at: "t".into(),
            updated_at: "t".into(),
            deleted_at: None,
            reactions: Vec::new(),
            custom: Default::default(),
        }
    }

    fn ids(messages: Vec<MessageRecord>) -> Vec<String> {
        messages.into_iter().map(|m| m.id).collect()
    }

    #[actix_rt::test]
    async fn messages_are_kept_per_channel_newest_last_and_bounded() {
        let s = MemoryStore::new("t");
        for i in 1..=5 {
            assert!(s.insert_message(&message(&format!("m{i}"), "c"), 3).await.unwrap());
        }
        assert!(!s.insert_message(&message("m5", "other"), 3).await.unwrap(), "ids are unique across channels");
        assert!(s.get_message("m2").await.unwrap().is_none(), "trimmed beyond the newest 3");
        assert_eq!(ids(s.channel_messages("c", MessageCursor::Latest, 10).await.unwrap()), ["m3", "m4", "m5"]);
        assert_eq!(ids(s.channel_messages("c", MessageCursor::Latest, 2).await.unwrap()), ["m4", "m5"]);
        assert_eq!(ids(s.channel_messages("c", MessageCursor::Before("m5"), 1).await.unwrap()), ["m4"]);
        assert_eq!(ids(s.channel_messages("c", MessageCursor::After("m3"), 5).await.unwrap()), ["m4", "m5"]);
        assert!(s.channel_messages("c", MessageCursor::Before("m1"), 5).await.unwrap().is_empty());
        let (before, after) = s
            .update_message("m4", &|m| {
                let mut m = m.clone();
                m.text = "edited".into();
                Some(m)
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!((before.text.as_str(), after.text.as_str()), ("m4", "edited"));
        assert_eq!(s.delete_message("m4").await.unwrap().unwrap().text, "edited");
        assert_eq!(ids(s.channel_messages("c", MessageCursor::Latest, 10).await.unwrap()), ["m3", "m5"]);
        s.delete_channel("c").await.unwrap();
        assert!(s.get_message("m5").await.unwrap().is_none());
    }

    #[actix_rt::test]
    async fn connections_first_and_last() {
        let s = MemoryStore::new("t");
        assert!(s.add_connection("a", "1").await.unwrap());
        assert!(!s.add_connection("a", "2").await.unwrap());
        assert!(!s.remove_connection("a", "1").await.unwrap());
        assert!(s.remove_connection("a", "2").await.unwrap());
        assert!(!s.remove_connection("a", "2").await.unwrap());
    }
}
