//! [`LifecycleStore`] for the [`MemoryStore`]: truncates, hidden channels and channel mutes in
//! the store's one map, under its lock (nothing awaits while it is held).

use super::lifecycle::MemberUpdate;
use super::memory::MemoryStore;
use super::{LifecycleStore, StoreResult};
use async_trait::async_trait;
use herald_proto::channel::MemberRecord;
use herald_proto::lifecycle::ChannelMute;

#[async_trait]
impl LifecycleStore for MemoryStore {
    async fn truncate_messages(&self, cid: &str, before: &str) -> StoreResult<usize> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let Some(ids) = state.channel_messages.get_mut(cid) else { return Ok(0) };
        let messages = &mut state.messages;
        let before_len = ids.len();
        ids.retain(|id| match messages.get(id) {
            Some(m) if m.created_at.as_str() <= before => {
                messages.remove(id);
                false
            }
            Some(_) => true,
            None => false,
        });
        Ok(before_len - ids.len())
    }

    async fn set_hidden(&self, cid: &str, user_id: &str, hidden: bool) -> StoreResult<bool> {
        let mut state = self.lock();
        if hidden {
            Ok(state.hidden.entry(cid.to_owned()).or_default().insert(user_id.to_owned()))
        } else {
            Ok(state.hidden.get_mut(cid).is_some_and(|users| users.remove(user_id)))
        }
    }

    async fn hidden_channels(&self, user_id: &str) -> StoreResult<Vec<String>> {
        let state = self.lock();
        let mut cids: Vec<String> = state.hidden.iter().filter(|(_, users)| users.contains(user_id)).map(|(cid, _)| cid.clone()).collect();
        cids.sort();
        Ok(cids)
    }

    async fn show_to_all(&self, cid: &str) -> StoreResult<Vec<String>> {
        Ok(self.lock().hidden.remove(cid).map(|users| users.into_iter().collect()).unwrap_or_default())
    }

    async fn clear_history(&self, cid: &str, user_id: &str, at: &str) -> StoreResult<()> {
        self.lock().history_cleared.insert((cid.to_owned(), user_id.to_owned()), at.to_owned());
        Ok(())
    }

    async fn history_cleared_at(&self, cid: &str, user_id: &str) -> StoreResult<Option<String>> {
        Ok(self.lock().history_cleared.get(&(cid.to_owned(), user_id.to_owned())).cloned())
    }

    async fn update_member(&self, cid: &str, user_id: &str, f: MemberUpdate<'_>) -> StoreResult<Option<(MemberRecord, MemberRecord)>> {
        let mut state = self.lock();
        let Some(member) = state.members.get_mut(cid).and_then(|m| m.get_mut(user_id)) else { return Ok(None) };
        let before = member.clone();
        if let Some(new) = f(&before) {
            *member = new;
        }
        Ok(Some((before, member.clone())))
    }

    async fn put_channel_mute(&self, mute: &ChannelMute) -> StoreResult<()> {
        self.lock().channel_mutes.entry(mute.user_id.clone()).or_default().insert(mute.cid.clone(), mute.clone());
        Ok(())
    }

    async fn remove_channel_mute(&self, user_id: &str, cid: &str) -> StoreResult<Option<ChannelMute>> {
        Ok(self.lock().channel_mutes.get_mut(user_id).and_then(|m| m.remove(cid)))
    }

    async fn channel_mutes(&self, user_id: &str) -> StoreResult<Vec<ChannelMute>> {
        Ok(self.lock().channel_mutes.get(user_id).map(|m| m.values().cloned().collect()).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hide_show_and_mutes() {
        let s = MemoryStore::new("t");
        assert!(s.set_hidden("c", "u", true).await.unwrap());
        assert!(!s.set_hidden("c", "u", true).await.unwrap());
        s.set_hidden("c", "v", true).await.unwrap();
        assert_eq!(s.hidden_channels("u").await.unwrap(), vec!["c"]);
        assert_eq!(s.show_to_all("c").await.unwrap(), vec!["u", "v"]);
        assert!(!s.set_hidden("c", "u", false).await.unwrap());
        let mute = ChannelMute { user_id: "u".into(), cid: "c".into(), created_at: "t".into(), updated_at: "t".into(), expires: None };
        s.put_channel_mute(&mute).await.unwrap();
        assert_eq!(s.channel_mutes("u").await.unwrap(), vec![mute.clone()]);
        assert_eq!(s.remove_channel_mute("u", "c").await.unwrap(), Some(mute));
        assert!(s.channel_mutes("u").await.unwrap().is_empty());
    }
}
