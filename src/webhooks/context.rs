//! What a webhook payload needs beyond the event itself, read from the Store once per event
//! (off the event path): the channel, its members (at most 50) with their users, the member
//! count and the last message. Unread fields come from [`super::unread`].

use herald_actors::chat::message_views::{message_json, UserIndex};
use herald_actors::chat::views::member_json;
use herald_actors::store::Store;
use herald_proto::message::MessageCursor;
use herald_proto::JsonMap;
use serde_json::{json, Value};

/// Members a payload lists at most (Stream truncates to 50).
pub const MEMBERS_SHOWN: usize = 50;

#[derive(Debug, Default, Clone)]
pub struct EventContext {
    /// The channel as Stream shows it (from the event when it carries one, else the Store).
    pub channel: Option<Value>,
    /// Up to [`MEMBERS_SHOWN`] members (`member_json`).
    pub members: Vec<Value>,
    pub member_count: usize,
    /// The newest message (Stream JSON).
    pub last_message: Option<Value>,
}

impl EventContext {
    /// Loads the context of a channel event. `with_last_message`: TalkPlus needs it, Stream not.
    pub async fn load(store: &dyn Store, cid: &str, event: &JsonMap, with_last_message: bool) -> EventContext {
        let record = store.get_channel(cid).await.ok().flatten();
        let mut channel = record.as_ref().map(|r| {
            let mut obj = r.custom.clone();
            obj.insert("id".into(), r.id.clone().into());
            obj.insert("type".into(), r.kind.clone().into());
            obj.insert("cid".into(), r.cid.clone().into());
            obj.insert("created_at".into(), r.created_at.clone().into());
            obj.insert("updated_at".into(), r.updated_at.clone().into());
            obj.insert("frozen".into(), r.frozen.into());
            if let Some(by) = &r.created_by_id {
                obj.insert("created_by".into(), json!({"id": by}));
            }
            Value::Object(obj)
        });
        if let Some(Value::Object(from_event)) = event.get("channel") {
            let mut merged = match channel.take() {
                Some(Value::Object(obj)) => obj,
                _ => JsonMap::new(),
            };
            merged.extend(from_event.clone());
            channel = Some(Value::Object(merged));
        }
        let members = store.get_members(cid).await.unwrap_or_default();
        let member_count = members.len();
        let shown: Vec<_> = members.into_iter().take(MEMBERS_SHOWN).collect();
        let ids: Vec<String> = shown.iter().map(|m| m.user_id.clone()).collect();
        let users: UserIndex = store.get_users(&ids).await.unwrap_or_default().into_iter().map(|u| (u.id.clone(), u)).collect();
        let mut members: Vec<Value> = shown.iter().map(|m| member_json(m, users.get(&m.user_id))).collect();
        if members.is_empty() {
            // a deleted channel: its members are gone from the Store, the event's channel has them
            if let Some(Value::Array(listed)) = channel.as_ref().and_then(|c| c.get("members")) {
                members = listed.iter().take(MEMBERS_SHOWN).cloned().collect();
            }
        }
        let member_count = member_count.max(members.len());
        let last_message = if with_last_message {
            match store.channel_messages(cid, MessageCursor::Latest, 1).await.ok().and_then(|mut m| m.pop()) {
                Some(m) => {
                    let authors = store.get_users(std::slice::from_ref(&m.user_id)).await.unwrap_or_default();
                    let index: UserIndex = authors.into_iter().map(|u| (u.id.clone(), u)).collect();
                    Some(message_json(&m, &index, None))
                }
                None => None,
            }
        } else {
            None
        };
        EventContext { channel, members, member_count, last_message }
    }

    pub fn channel_json(&self) -> Value {
        self.channel.clone().unwrap_or_else(|| json!({}))
    }
}
