//! Vonage-style conversations (seeds/vonage-custom-event.txt) on top of channels: a conversation
//! is the channel `conversation:{CON-…}`, a conversation member is a channel member with a
//! `MEM-…` id of its own, and a conversation custom event is stored in the conversation's event
//! list and published to the channel's watchers on every node like any channel event.
//! Called by the `/v0.3` and `/v1` conversation routes (which authenticate the application).

use super::views::{channel_event, user_json};
use super::{Chat, ChatError, ChatResult};
use crate::clock;
use crate::metrics::Metrics;
use herald_proto::api::MemberInput;
use herald_proto::channel::{ChannelRecord, MemberRecord};
use herald_proto::conversation::{check_body_bytes, check_event_type, CONVERSATION_TYPE, MEMBER_ID_FIELD};
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde_json::{json, Value};

/// Conversation fields kept as the channel's custom data.
const CONVERSATION_FIELDS: &[&str] = &["name", "display_name", "image_url", "properties"];

/// A conversation member: its record and its user.
pub struct ConversationMember {
    pub member: MemberRecord,
    pub user: User,
}

impl ConversationMember {
    pub fn member_id(&self) -> &str {
        self.member.custom.get(MEMBER_ID_FIELD).and_then(Value::as_str).unwrap_or_default()
    }
}

/// A custom event to add to a conversation.
pub struct NewConversationEvent {
    pub kind: String,
    /// The sending member's `MEM-…` id, if any.
    pub from: Option<String>,
    pub body: Value,
    /// Whether the caller's token names a user (`sub`): then `from` is required.
    pub caller_is_user: bool,
}

impl Chat {
    /// Creates a conversation from `data` (name, display_name, image_url, properties).
    pub async fn create_conversation(&self, data: &JsonMap) -> ChatResult<ChannelRecord> {
        self.channel_type(CONVERSATION_TYPE).await?;
        let id = format!("CON-{}", uuid::Uuid::new_v4());
        let now = clock::now();
        let mut custom: JsonMap =
            data.iter().filter(|(k, _)| CONVERSATION_FIELDS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        custom.entry("name").or_insert_with(|| Value::from(id.clone()));
        let record = ChannelRecord {
            cid: format!("{CONVERSATION_TYPE}:{id}"),
            kind: CONVERSATION_TYPE.into(),
            id,
            created_by_id: None,
            created_at: now.clone(),
            updated_at: now,
            frozen: false,
            disabled: false,
            truncated_at: None,
            custom,
        };
        Ok(self.store().create_channel(record).await?.0)
    }

    /// The conversation `id`, or 404 (code 16).
    pub async fn conversation(&self, id: &str) -> ChatResult<ChannelRecord> {
        let cid = format!("{CONVERSATION_TYPE}:{id}");
        self.store().get_channel(&cid).await?.ok_or_else(|| ChatError::not_found(format!("conversation {id} does not exist")))
    }

    /// Adds `user_id` (created if new) to conversation `id` with a fresh member id; a user who
    /// is a member already keeps the member id they have. member.added goes to the watchers.
    pub async fn add_conversation_member(&self, id: &str, user_id: &str, state: &str) -> ChatResult<ConversationMember> {
        let conversation = self.conversation(id).await?;
        let user = self.ensure_user(user_id).await?;
        if let Some(member) = self.store().get_member(&conversation.cid, user_id).await? {
            return Ok(ConversationMember { member, user });
        }
        let mut custom = JsonMap::new();
        custom.insert(MEMBER_ID_FIELD.into(), Value::from(format!("MEM-{}", uuid::Uuid::new_v4())));
        custom.insert("state".into(), Value::from(state.to_ascii_uppercase()));
        self.add_members(&conversation.cid, vec![MemberInput { user_id: user_id.to_owned(), channel_role: None, custom }]).await?;
        let member = self.store().get_member(&conversation.cid, user_id).await?.ok_or_else(|| ChatError::not_found("member vanished"))?;
        Ok(ConversationMember { member, user })
    }

    /// The member of conversation `cid` with member id `member_id`.
    async fn conversation_member(&self, cid: &str, member_id: &str) -> ChatResult<Option<ConversationMember>> {
        let members = self.store().get_members(cid).await?;
        let Some(member) = members.into_iter().find(|m| m.custom.get(MEMBER_ID_FIELD).and_then(Value::as_str) == Some(member_id)) else {
            return Ok(None);
        };
        let user = self.existing_user(&member.user_id).await?;
        Ok(Some(ConversationMember { member, user }))
    }

    /// Checks, stores and publishes a conversation custom event; returns it as stored.
    pub async fn send_conversation_event(&self, id: &str, new: NewConversationEvent) -> ChatResult<Value> {
        let result = self.try_send_conversation_event(id, new).await;
        if result.is_err() {
            Metrics::incr(&self.metrics().events_rejected);
        }
        result
    }

    async fn try_send_conversation_event(&self, id: &str, new: NewConversationEvent) -> ChatResult<Value> {
        check_event_type(&new.kind).map_err(ChatError::input)?;
        let body_bytes = serde_json::to_string(&new.body).map_or(usize::MAX, |b| b.len());
        check_body_bytes(body_bytes).map_err(ChatError::input)?;
        let conversation = self.conversation(id).await?;
        let sender = match &new.from {
            Some(from) => Some(
                self.conversation_member(&conversation.cid, from)
                    .await?
                    .ok_or_else(|| ChatError::forbidden(format!("from: {from} is not a member of conversation {id}")))?,
            ),
            None if new.caller_is_user => {
                return Err(ChatError::input("from is required when the token has a sub claim"));
            }
            None => None,
        };
        let timestamp = clock::now();
        let record = |event_id: u64| json!({"id": event_id, "type": new.kind, "from": new.from, "body": new.body, "timestamp": timestamp, "conversation_id": id});
        let keep = self.limits().max_conversation_events;
        let event_id = self.store().append_conversation_event(&conversation.cid, &|n| record(n).to_string(), keep).await?;
        let mut live = channel_event(&new.kind, &conversation);
        live.insert("conversation_event_id".into(), Value::from(event_id));
        live.insert("from".into(), json!(new.from));
        live.insert("body".into(), new.body.clone());
        if let Some(sender) = &sender {
            live.insert("user".into(), user_json(&sender.user));
        }
        self.publish_to_channel(&conversation.cid, &live).await?;
        Ok(record(event_id))
    }

    /// A page of conversation `id`'s stored events (see [`crate::store::Store::conversation_events`]).
    pub async fn conversation_events(&self, id: &str, cursor: Option<u64>, limit: usize, descending: bool) -> ChatResult<Vec<Value>> {
        let conversation = self.conversation(id).await?;
        let raw = self.store().conversation_events(&conversation.cid, cursor, limit, descending).await?;
        raw.iter().map(|r| serde_json::from_str(r).map_err(|e| ChatError::new(herald_proto::ErrorCode::Internal, e.to_string()))).collect()
    }
}
