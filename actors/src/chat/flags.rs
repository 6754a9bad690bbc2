//! Flags: `POST /moderation/flag` (a user or a message), `POST /moderation/unflag`, and the flag
//! lists `GET /moderation/flags/message?payload=…` (Stream's QueryMessageFlags) and
//! `GET /moderation/flags?payload=…` (herald extension: user and message flags).
//!
//! A flag is one record per (target, flagging user) in the Store's `flags` family, so every node
//! lists the same. Flagging again replaces the reason. Events: `user.flagged` / `message.flagged`
//! (webhook catalogue events; Stream sends them to webhooks only) are published to the flagging
//! user's own connections — never to the flagged user, who must not learn who reported them.
//! Unflagging publishes nothing. Who may flag: any user (server calls name `user_id`); a message
//! only by someone who can read its channel. Lists: server-side calls and admins.

use super::message_views::message_json;
use super::moderation::{str_field, user_field, FLAGS};
use super::users::match_values;
use super::views::{bare_event, channel_event, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A stored flag.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Flag {
    #[serde(default)]
    target_user_id: Option<String>,
    #[serde(default)]
    target_message_id: Option<String>,
    /// The channel of a flagged message.
    #[serde(default)]
    channel_cid: Option<String>,
    created_by_id: String,
    #[serde(default)]
    reason: Option<String>,
    created_at: String,
    updated_at: String,
}

/// What was flagged.
enum Target {
    User(String),
    Message(String),
}

impl Target {
    fn parse(body: &JsonMap) -> ChatResult<Target> {
        match (str_field(body, "target_user_id"), str_field(body, "target_message_id")) {
            (Some(u), None) => Ok(Target::User(u)),
            (None, Some(m)) => Ok(Target::Message(m)),
            _ => Err(ChatError::input("give exactly one of target_user_id and target_message_id")),
        }
    }
    fn key(&self, by: &str) -> String {
        match self {
            Target::User(u) => format!("user:{u}|{by}"),
            Target::Message(m) => format!("message:{m}|{by}"),
        }
    }
}

impl Chat {
    /// `POST /moderation/flag`: returns the flag.
    pub async fn flag(&self, caller: &Caller, body: JsonMap) -> ChatResult<Value> {
        let by = self.flagging_user(caller, &body).await?;
        let target = Target::parse(&body)?;
        let now = clock::now();
        let mut event;
        let mut flag = Flag {
            target_user_id: None,
            target_message_id: None,
            channel_cid: None,
            created_by_id: by.id.clone(),
            reason: str_field(&body, "reason"),
            created_at: now.clone(),
            updated_at: now,
        };
        match &target {
            Target::User(id) => {
                let user = self.existing_user(id).await?;
                if user.id == by.id {
                    return Err(ChatError::input("a user cannot flag themselves"));
                }
                flag.target_user_id = Some(user.id.clone());
                event = bare_event("user.flagged");
                event.insert("target_user".into(), user_json(&user));
            }
            Target::Message(id) => {
                let message = self.existing_message(id).await?;
                let standing = self.standing(&Caller::User(by.id.clone()), &message.cid, None).await?;
                if !standing.access().can_read() {
                    return Err(ChatError::forbidden(format!("user {:?} cannot read the channel of message {id:?}", by.id)));
                }
                flag.target_message_id = Some(message.id.clone());
                flag.target_user_id = Some(message.user_id.clone());
                flag.channel_cid = Some(message.cid.clone());
                let users = self.users_for(&[&message]).await?;
                event = channel_event("message.flagged", &standing.loaded.channel);
                event.insert("message".into(), message_json(&message, &users, None));
            }
        }
        let key = target.key(&by.id);
        let record = serde_json::to_value(&flag).map_err(|e| ChatError::input(e.to_string()))?;
        let (before, _) = self
            .store()
            .update_record(FLAGS, &key, &|current| {
                let mut record = record.clone();
                if let Some(created) = current.and_then(|c| c.get("created_at")) {
                    record["created_at"] = created.clone();
                }
                Some(record)
            })
            .await?;
        if let Some(created) = before.as_ref().and_then(|b| b.get("created_at")).and_then(Value::as_str) {
            flag.created_at = created.to_owned();
        }
        let shown = self.flag_json(&flag).await?;
        event.insert("user".into(), user_json(&by));
        event.insert("flag".into(), shown.clone());
        if let Some(reason) = &flag.reason {
            event.insert("reason".into(), reason.clone().into());
        }
        self.publish_to_user(&by.id, None, &event).await?;
        Ok(shown)
    }

    /// `POST /moderation/unflag`: removes the caller's flag; returns it (404 when there was none).
    pub async fn unflag(&self, caller: &Caller, body: JsonMap) -> ChatResult<Value> {
        let by = self.flagging_user(caller, &body).await?;
        let target = Target::parse(&body)?;
        let removed = self.store().delete_record(FLAGS, &target.key(&by.id)).await?;
        let flag: Flag = removed
            .and_then(|r| serde_json::from_value(r).ok())
            .ok_or_else(|| ChatError::not_found(format!("user {:?} has not flagged this target", by.id)))?;
        self.flag_json(&flag).await
    }

    /// The flag list: `filter_conditions` on `user_id` (flagged user), `created_by_id`,
    /// `message_id`, `channel_cid`, `type` (`user`/`message`); `only_messages` restricts to
    /// message flags. Oldest first, `limit`/`offset`.
    pub async fn query_flags(&self, caller: &Caller, payload: JsonMap, only_messages: bool) -> ChatResult<Vec<Value>> {
        self.require_admin(caller, "query flags").await?;
        let filter = match payload.get("filter_conditions") {
            Some(Value::Object(f)) => f.clone(),
            None | Some(Value::Null) => JsonMap::new(),
            Some(_) => return Err(ChatError::input("filter_conditions must be an object")),
        };
        let mut flags = Vec::new();
        for (_, record) in self.store().list_records(FLAGS).await? {
            let Ok(flag) = serde_json::from_value::<Flag>(record) else { continue };
            if only_messages && flag.target_message_id.is_none() {
                continue;
            }
            let kind = if flag.target_message_id.is_some() { "message" } else { "user" };
            let fields = json!({"user_id": flag.target_user_id, "created_by_id": flag.created_by_id,
                "message_id": flag.target_message_id, "channel_cid": flag.channel_cid, "type": kind});
            let mut keep = true;
            for (field, cond) in &filter {
                let wanted = match_values(cond).ok_or_else(|| ChatError::input(format!("unsupported filter on {field:?}")))?;
                keep &= wanted.contains(&fields.get(field).cloned().unwrap_or(Value::Null));
            }
            if keep {
                flags.push(flag);
            }
        }
        flags.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        let offset = payload.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
        let limit = payload.get("limit").and_then(Value::as_u64).unwrap_or(100).min(300) as usize;
        let mut out = Vec::new();
        for flag in flags.into_iter().skip(offset).take(limit) {
            out.push(self.flag_json(&flag).await?);
        }
        Ok(out)
    }

    async fn flagging_user(&self, caller: &Caller, body: &JsonMap) -> ChatResult<User> {
        match caller {
            Caller::User(id) => self.ensure_user(id).await,
            Caller::Server => {
                let id = user_field(body, "user_id").ok_or_else(|| ChatError::input("server-side flags need user_id"))?;
                self.existing_user(&id).await
            }
        }
    }

    /// A flag as returned (`{user, target_user?, message?, created_by_automod, reason, …}`).
    async fn flag_json(&self, flag: &Flag) -> ChatResult<Value> {
        let mut obj = JsonMap::new();
        let by = self.store().get_user(&flag.created_by_id).await?;
        obj.insert("user".into(), by.as_ref().map(user_json).unwrap_or_else(|| json!({"id": flag.created_by_id})));
        obj.insert("created_by_automod".into(), false.into());
        if let Some(target) = &flag.target_user_id {
            let user = self.store().get_user(target).await?;
            obj.insert("target_user".into(), user.as_ref().map(user_json).unwrap_or_else(|| json!({"id": target})));
        }
        if let Some(id) = &flag.target_message_id {
            obj.insert("target_message_id".into(), id.clone().into());
            if let Some(message) = self.store().get_message(id).await? {
                let users = self.users_for(&[&message]).await?;
                obj.insert("message".into(), message_json(&message, &users, None));
            }
        }
        obj.insert("reason".into(), flag.reason.clone().map_or(Value::Null, Value::from));
        obj.insert("created_at".into(), flag.created_at.clone().into());
        obj.insert("updated_at".into(), flag.updated_at.clone().into());
        Ok(Value::Object(obj))
    }
}
