//! Messages: send, get, update (full and partial), delete (soft or hard), and the pages a channel
//! state lists. Publishes message.new / message.updated / message.deleted to the channel's
//! watchers and notification.message_new (with each member's own unread totals) to the
//! members' connections that are not watching.
//! Called by the message routes and by channel queries ([`Chat::message_page`]).
//!
//! Who may: readers of the channel send (not in a frozen channel unless they moderate it); the
//! author, the channel's moderators and server-side calls update and delete.

use super::channels::Standing;
use super::message_views::{message_json, users_shown, UserIndex};
use super::views::{channel_event, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::api::named_user_id;
use herald_proto::channel::ChannelTypeConfig;
use herald_proto::message::{
    valid_id, MessageCursor, MessageInput, MessageRecord, MessageRequest, PartialMessageRequest, MESSAGES_MAX_LIMIT,
    MESSAGE_MANAGED_FIELDS, MESSAGE_UNSUPPORTED_FIELDS, TYPE_DELETED, TYPE_REGULAR,
};
use serde_json::Value;

/// How an update changes a message's content.
enum Change {
    /// `POST /messages/{id}`: the message as given replaces the content.
    Replace(MessageInput),
    /// `PUT /messages/{id}`: `set` fields, `unset` fields.
    Partial { set: MessageInput, unset: Vec<String> },
}

impl Change {
    /// The message with the change applied (reactions and identity untouched).
    fn apply(&self, m: &MessageRecord, now: &str) -> MessageRecord {
        let mut m = m.clone();
        match self {
            Change::Replace(input) => {
                m.text = input.text.clone().unwrap_or_default();
                m.attachments = input.attachments.clone().unwrap_or_default();
                m.mentioned_users = dedup(input.mentioned_users.clone().unwrap_or_default());
                m.silent = input.silent.unwrap_or(m.silent);
                m.custom = input.custom.clone();
            }
            Change::Partial { set, unset } => {
                for field in unset {
                    match field.as_str() {
                        "text" => m.text.clear(),
                        "attachments" => m.attachments.clear(),
                        "mentioned_users" => m.mentioned_users.clear(),
                        "silent" => m.silent = false,
                        other => {
                            m.custom.remove(other);
                        }
                    }
                }
                if let Some(text) = &set.text {
                    m.text = text.clone();
                }
                if let Some(attachments) = &set.attachments {
                    m.attachments = attachments.clone();
                }
                if let Some(mentioned) = &set.mentioned_users {
                    m.mentioned_users = dedup(mentioned.clone());
                }
                m.silent = set.silent.unwrap_or(m.silent);
                m.custom.extend(set.custom.clone());
            }
        }
        m.updated_at = now.to_owned();
        m
    }
}

fn dedup(mut ids: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    ids
}

impl Chat {
    /// `POST /channels/{type}/{id}/message`: stores the message and announces it. Returns the
    /// message as its author sees it.
    pub async fn send_message(&self, caller: &Caller, cid: &str, req: MessageRequest) -> ChatResult<Value> {
        let mut input = MessageInput::parse(req.message().map_err(ChatError::input)?).map_err(ChatError::input)?;
        let named = match caller {
            Caller::Server => {
                Some(input.user_id.clone().ok_or_else(|| ChatError::input("server-side messages need message.user or message.user_id"))?)
            }
            Caller::User(_) => None,
        };
        let standing = self.standing(caller, cid, named).await?;
        let access = standing.access();
        let author = standing.acting.clone().ok_or_else(|| ChatError::input("the message has no user"))?;
        if !access.can_read() {
            return Err(ChatError::forbidden(format!(
                "User '{}' is not allowed to send messages to channel {cid}: only users who can read the channel may",
                author.id
            )));
        }
        if standing.loaded.channel.frozen && !access.can_moderate() {
            return Err(ChatError::frozen(cid, "send messages"));
        }
        self.check_not_banned(&author.id, cid, "SendMessage").await?;
        let id = match &input.id {
            Some(id) if valid_id(id) => id.clone(),
            Some(id) => return Err(ChatError::input(format!("message.id {id:?} must be 1 to 255 characters without spaces or '/'"))),
            None => uuid::Uuid::new_v4().to_string(),
        };
        let mentioned_users = dedup(input.mentioned_users.take().unwrap_or_default());
        let record = MessageRecord { mentioned_users, ..MessageRecord::posted(id, cid, TYPE_REGULAR, &author.id, &clock::now(), input) };
        let users = self.users_for(&[&record]).await?;
        check_content(&standing.loaded.config, &record, &users)?;
        if !self.store().insert_message(&record, self.limits().max_channel_messages).await? {
            return Err(ChatError::input(format!("a message with ID {} already exists", record.id)));
        }
        self.store().count_message(cid, &author.id, &record.created_at, super::unread_reminders::now_ms()).await?;
        self.reveal_hidden(&standing.loaded).await?;
        let shown = message_json(&record, &users, None);
        let mut event = channel_event("message.new", &standing.loaded.channel);
        event.insert("message".into(), shown.clone());
        event.insert("message_id".into(), record.id.clone().into());
        event.insert("user".into(), user_json(&author));
        event.insert("watcher_count".into(), self.store().watcher_count(cid).await?.into());
        self.publish_to_channel(cid, &event).await?;
        let members: Vec<String> = self.store().get_members(cid).await?.into_iter().map(|m| m.user_id).collect();
        if !members.is_empty() {
            let mut note = channel_event("notification.message_new", &standing.loaded.channel);
            note.insert("channel".into(), self.channel_payload(&standing.loaded).await?);
            note.insert("message".into(), shown);
            note.insert("message_id".into(), record.id.clone().into());
            note.insert("user".into(), user_json(&author));
            self.publish_with_unread(&members, Some(cid), &note).await?;
        }
        Ok(message_json(&record, &users, Some(&author.id)))
    }

    /// `GET /messages/{id}`: for readers of its channel.
    pub async fn get_message(&self, caller: &Caller, id: &str) -> ChatResult<Value> {
        let message = self.existing_message(id).await?;
        let standing = self.standing(caller, &message.cid, None).await?;
        if !standing.access().can_read() {
            return Err(ChatError::forbidden(format!("not allowed to read messages of channel {}", message.cid)));
        }
        let users = self.users_for(&[&message]).await?;
        Ok(message_json(&message, &users, caller.user_id()))
    }

    /// `POST /messages/{id}`: replaces the message's content.
    pub async fn update_message(&self, caller: &Caller, id: &str, req: MessageRequest) -> ChatResult<Value> {
        let input = MessageInput::parse(req.message().map_err(ChatError::input)?).map_err(ChatError::input)?;
        if let Some(other) = input.id.as_deref().filter(|other| *other != id) {
            return Err(ChatError::input(format!("message.id {other:?} does not match the message {id:?} of the path")));
        }
        let named = input.user_id.clone();
        self.change_message(caller, id, named, Change::Replace(input)).await
    }

    /// `PUT /messages/{id}`: sets and unsets fields of the message.
    pub async fn partial_update_message(&self, caller: &Caller, id: &str, req: PartialMessageRequest) -> ChatResult<Value> {
        let set = req.set.unwrap_or_default();
        let unset = req.unset.unwrap_or_default();
        if set.is_empty() && unset.is_empty() {
            return Err(ChatError::input("set or unset is required"));
        }
        if let Some(bad) = set.keys().find(|k| MESSAGE_MANAGED_FIELDS.contains(&k.as_str())) {
            return Err(ChatError::input(format!("message field {bad:?} cannot be set")));
        }
        let fixed = |k: &str| MESSAGE_MANAGED_FIELDS.contains(&k) || MESSAGE_UNSUPPORTED_FIELDS.contains(&k);
        if let Some(bad) = unset.iter().find(|k| fixed(k)) {
            return Err(ChatError::input(format!("message field {bad:?} cannot be unset")));
        }
        let set = MessageInput::parse(&set).map_err(ChatError::input)?;
        let named = named_user_id(&req.user_id, &req.user);
        self.change_message(caller, id, named, Change::Partial { set, unset }).await
    }

    /// Checks that the caller may change the message, applies `change` atomically (concurrent
    /// reactions are kept), publishes message.updated. Returns the message for the caller.
    async fn change_message(&self, caller: &Caller, id: &str, named: Option<String>, change: Change) -> ChatResult<Value> {
        let message = self.existing_message(id).await?;
        let standing = self.standing(caller, &message.cid, named).await?;
        check_may_change(&standing, &message)?;
        if message.is_deleted() {
            return Err(ChatError::input(format!("message {id:?} was deleted and cannot be updated")));
        }
        let now = clock::now();
        let preview = change.apply(&message, &now);
        let users = self.users_for(&[&preview]).await?;
        check_content(&standing.loaded.config, &preview, &users)?;
        let (_, after) = self
            .store()
            .update_message(id, &|current| (!current.is_deleted()).then(|| change.apply(current, &now)))
            .await?
            .ok_or_else(|| ChatError::not_found(format!("message {id:?} does not exist")))?;
        if after.is_deleted() {
            return Err(ChatError::input(format!("message {id:?} was deleted and cannot be updated")));
        }
        let users = self.users_for(&[&after]).await?;
        let mut event = channel_event("message.updated", &standing.loaded.channel);
        event.insert("message".into(), message_json(&after, &users, None));
        event.insert("message_id".into(), id.into());
        let actor = standing.acting.as_ref().map_or_else(|| user_json_of(&after.user_id, &users), user_json);
        event.insert("user".into(), actor);
        self.publish_to_channel(&after.cid, &event).await?;
        Ok(message_json(&after, &users, standing.acting.as_ref().map(|u| u.id.as_str())))
    }

    /// `DELETE /messages/{id}` (`hard=true` removes it for good): message.deleted to watchers.
    pub async fn delete_message(&self, caller: &Caller, id: &str, hard: bool, named: Option<String>) -> ChatResult<Value> {
        let message = self.existing_message(id).await?;
        let standing = self.standing(caller, &message.cid, named).await?;
        check_may_change(&standing, &message)?;
        let now = clock::now();
        let gone = |id: &str| ChatError::not_found(format!("message {id:?} does not exist"));
        let deleted = if hard {
            let mut removed = self.store().delete_message(id).await?.ok_or_else(|| gone(id))?;
            removed.kind = TYPE_DELETED.into();
            removed.deleted_at.get_or_insert_with(|| now.clone());
            removed
        } else {
            let soft_delete = |m: &MessageRecord| {
                (!m.is_deleted()).then(|| {
                    let mut m = m.clone();
                    m.kind = TYPE_DELETED.into();
                    m.deleted_at = Some(now.clone());
                    m.updated_at = now.clone();
                    m
                })
            };
            let (before, after) = self.store().update_message(id, &soft_delete).await?.ok_or_else(|| gone(id))?;
            if before.is_deleted() {
                let users = self.users_for(&[&after]).await?;
                return Ok(message_json(&after, &users, standing.acting.as_ref().map(|u| u.id.as_str())));
            }
            after
        };
        let users = self.users_for(&[&deleted]).await?;
        let mut event = channel_event("message.deleted", &standing.loaded.channel);
        event.insert("message".into(), message_json(&deleted, &users, None));
        event.insert("message_id".into(), id.into());
        event.insert("hard_delete".into(), hard.into());
        if let Some(actor) = &standing.acting {
            event.insert("user".into(), user_json(actor));
        }
        self.publish_to_channel(&deleted.cid, &event).await?;
        Ok(message_json(&deleted, &users, standing.acting.as_ref().map(|u| u.id.as_str())))
    }

    /// A page of a channel's messages (oldest first) as `viewer` sees them.
    pub(crate) async fn message_page(
        &self,
        cid: &str,
        cursor: MessageCursor<'_>,
        limit: usize,
        viewer: Option<&str>,
    ) -> ChatResult<Vec<Value>> {
        let messages = self.store().channel_messages(cid, cursor, limit.min(MESSAGES_MAX_LIMIT)).await?;
        let messages = self.without_blocked(messages, viewer).await?;
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let refs: Vec<&MessageRecord> = messages.iter().collect();
        let users = self.users_for(&refs).await?;
        Ok(messages.iter().map(|m| message_json(m, &users, viewer)).collect())
    }

    /// The message, or 404 (code 16).
    pub(crate) async fn existing_message(&self, id: &str) -> ChatResult<MessageRecord> {
        self.store().get_message(id).await?.ok_or_else(|| ChatError::not_found(format!("message {id:?} does not exist")))
    }

    /// The users a rendering of `messages` shows.
    pub(crate) async fn users_for(&self, messages: &[&MessageRecord]) -> ChatResult<UserIndex> {
        let ids = users_shown(messages.iter().copied());
        Ok(self.store().get_users(&ids).await?.into_iter().map(|u| (u.id.clone(), u)).collect())
    }
}

fn user_json_of(id: &str, users: &UserIndex) -> Value {
    users.get(id).map(user_json).unwrap_or_else(|| serde_json::json!({ "id": id }))
}

/// The author, the channel's moderators and server-side calls may change a message.
fn check_may_change(standing: &Standing, message: &MessageRecord) -> ChatResult<()> {
    let access = standing.access();
    let author = standing.acting.as_ref().is_some_and(|u| u.id == message.user_id);
    if author || access.can_moderate() {
        return Ok(());
    }
    let who = standing.acting.as_ref().map_or("", |u| u.id.as_str());
    Err(ChatError::forbidden(format!(
        "User '{who}' is not allowed to change message {:?}: only its author and the channel's moderators may",
        message.id
    )))
}

/// A message needs text or attachments, text within the type's `max_message_length`, and
/// mentioned users that exist.
fn check_content(config: &ChannelTypeConfig, m: &MessageRecord, users: &UserIndex) -> ChatResult<()> {
    if m.text.trim().is_empty() && m.attachments.is_empty() {
        return Err(ChatError::input("a message needs text or attachments"));
    }
    let length = m.text.chars().count();
    if length > config.max_message_length as usize {
        return Err(ChatError::input(format!(
            "message text is {length} characters; channel type {:?} allows at most {}",
            config.name, config.max_message_length
        )));
    }
    let missing: Vec<&String> = m.mentioned_users.iter().filter(|id| !users.contains_key(*id)).collect();
    if !missing.is_empty() {
        return Err(ChatError::input(format!("mentioned users do not exist: {missing:?}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_proto::JsonMap;
    use serde_json::json;

    fn custom_of(obj: Value) -> JsonMap {
        MessageInput::parse(obj.as_object().expect("an object")).expect("valid").custom
    }

    fn message() -> MessageRecord {
        MessageRecord {
            id: "m".into(),
            cid: "messaging:c".into(),
            kind: TYPE_REGULAR.into(),
            user_id: "alice".into(),
            text: "old".into(),
            attachments: vec![json!({"type": "image"})],
            mentioned_users: Vec::new(),
            silent: false,
            created_at: "t0".into(),
            updated_at: "t0".into(),
            deleted_at: None,
            reactions: Vec::new(),
            custom: custom_of(json!({"color": "red", "size": 2})),
        }
    }

    #[test]
    fn replace_swaps_the_content_partial_changes_fields() {
        let m = message();
        let replace = Change::Replace(MessageInput::parse(json!({"text": "new"}).as_object().unwrap()).unwrap());
        let replaced = replace.apply(&m, "t1");
        assert_eq!((replaced.text.as_str(), replaced.updated_at.as_str()), ("new", "t1"));
        assert!(replaced.attachments.is_empty() && replaced.custom.is_empty());
        let set = MessageInput::parse(json!({"text": "set", "size": 3}).as_object().unwrap()).unwrap();
        let partial = Change::Partial { set, unset: vec!["color".into(), "attachments".into()] }.apply(&m, "t2");
        assert_eq!(partial.text, "set");
        assert_eq!(partial.custom, custom_of(json!({"size": 3})));
        assert!(partial.attachments.is_empty());
    }

    #[test]
    fn content_rules() {
        let config = ChannelTypeConfig::named("messaging", "t");
        let mut m = message();
        assert!(check_content(&config, &m, &UserIndex::new()).is_ok());
        m.attachments.clear();
        m.text = "  ".into();
        assert!(check_content(&config, &m, &UserIndex::new()).is_err());
        m.text = "x".repeat(5001);
        assert!(check_content(&config, &m, &UserIndex::new()).unwrap_err().message.contains("5001"));
        m.text = "hi".into();
        m.mentioned_users = vec!["ghost".into()];
        assert!(check_content(&config, &m, &UserIndex::new()).unwrap_err().message.contains("ghost"));
    }
}
