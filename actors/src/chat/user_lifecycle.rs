//! User lifecycle: deactivate, reactivate, delete (one user or many), and deleting a user's
//! messages (`user.messages.deleted`). Server-side calls and admins only.
//!
//! Events (recipients decided here; the seed table lists `user.deleted` for "clients subscribed to
//! the user status"; `user.deactivated`/`user.reactivated` come from the webhook catalogue):
//! - `user.deactivated`, `user.deleted`: the user's presence followers, and the user's own
//!   connections, which are then closed (close 1000: do not reconnect). A deactivated or deleted
//!   user cannot connect (403, code 17) until reactivated.
//! - `user.reactivated`: presence followers and the user's connections (like `user.updated`).
//! - `user.messages.deleted`: the watchers of each channel where messages were deleted (with the
//!   channel's cid) and the user's own connections (without cid), as the seed table says.
//!
//! Messages are found by scanning the channels' stored messages (bounded by retention).

use super::moderation::{bool_field, str_field, user_field};
use super::views::{bare_event, channel_event, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::bus::{Route, Topic};
use crate::clock;
use herald_proto::message::{MessageCursor, MessageRecord, TYPE_DELETED, TYPE_REGULAR};
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde_json::{json, Value};

impl Chat {
    /// `POST /users/{id}/deactivate` (`mark_messages_deleted`, `created_by_id`).
    pub async fn deactivate_user(&self, caller: &Caller, id: &str, body: &JsonMap) -> ChatResult<User> {
        let actor = self.lifecycle_actor(caller, body, "deactivate users").await?;
        let user = self.existing_user(id).await?;
        if user.deactivated_at.is_some() {
            return Ok(user);
        }
        // taken before the messages go: reactivation restores what was deleted since
        let now = clock::now();
        if bool_field(body, "mark_messages_deleted") {
            self.delete_user_messages(&user, false).await?;
        }
        let user = self
            .store()
            .update_user(id, &|current| {
                let mut u = current?.clone();
                u.deactivated_at = Some(now.clone());
                u.updated_at = now.clone();
                Some(u)
            })
            .await?
            .unwrap_or(user);
        let mut event = bare_event("user.deactivated");
        event.insert("user".into(), user_json(&user));
        if let Some(actor) = &actor {
            event.insert("created_by_id".into(), actor.clone().into());
            event.insert("created_by".into(), self.user_or_id(actor).await?);
        }
        self.publish(Topic::user(id), Route::Disconnect, &event).await?;
        Ok(user)
    }

    /// `POST /users/{id}/reactivate` (`restore_messages`, `created_by_id`, `name`).
    pub async fn reactivate_user(&self, caller: &Caller, id: &str, body: &JsonMap) -> ChatResult<User> {
        let actor = self.lifecycle_actor(caller, body, "reactivate users").await?;
        let user = self.existing_user(id).await?;
        let Some(since) = user.deactivated_at.clone() else {
            return Err(ChatError::input(format!("user {id:?} is not deactivated")));
        };
        if bool_field(body, "restore_messages") {
            self.restore_user_messages(&user, &since).await?;
        }
        let now = clock::now();
        let name = str_field(body, "name");
        let user = self
            .store()
            .update_user(id, &|current| {
                let mut u = current?.clone();
                u.deactivated_at = None;
                u.updated_at = now.clone();
                if let Some(name) = &name {
                    u.custom.insert("name".into(), name.clone().into());
                }
                Some(u)
            })
            .await?
            .unwrap_or(user);
        let mut event = bare_event("user.reactivated");
        event.insert("user".into(), user_json(&user));
        if let Some(actor) = &actor {
            event.insert("created_by".into(), self.user_or_id(actor).await?);
        }
        self.publish(Topic::user(id), Route::Presence { own: true }, &event).await?;
        Ok(user)
    }

    /// `DELETE /users/{id}` (`mark_messages_deleted`, `hard_delete`,
    /// `delete_conversation_channels`). A hard delete also removes the user's messages for good
    /// and strips the user's custom data; the record stays (with `deleted_at`) so ids are never
    /// reused by accident.
    pub async fn delete_user(&self, caller: &Caller, id: &str, options: &JsonMap) -> ChatResult<User> {
        self.lifecycle_actor(caller, options, "delete users").await?;
        let user = self.existing_user(id).await?;
        let hard = bool_field(options, "hard_delete");
        if hard || bool_field(options, "mark_messages_deleted") {
            self.delete_user_messages(&user, hard).await?;
        }
        if bool_field(options, "delete_conversation_channels") {
            for cid in self.store().channels_of_member(id).await? {
                if self.store().member_count(&cid).await? == 2 {
                    self.delete_channel(&Caller::Server, &cid).await?;
                }
            }
        }
        let now = clock::now();
        let user = self
            .store()
            .update_user(id, &|current| {
                let mut u = current?.clone();
                u.deleted_at.get_or_insert_with(|| now.clone());
                u.updated_at = now.clone();
                u.online = false;
                if hard {
                    u.custom.clear();
                    u.teams.clear();
                }
                Some(u)
            })
            .await?
            .unwrap_or(user);
        let mut event = bare_event("user.deleted");
        event.insert("user".into(), user_json(&user));
        event.insert("hard_delete".into(), hard.into());
        event.insert("mark_messages_deleted".into(), (hard || bool_field(options, "mark_messages_deleted")).into());
        self.publish(Topic::user(id), Route::Disconnect, &event).await?;
        Ok(user)
    }

    /// `POST /users/delete` (`user_ids`, `user`: soft|hard|pruning, `messages`: soft|hard,
    /// `conversations`: soft|hard): deletes each user now; the result is a completed task.
    pub async fn delete_users(&self, caller: &Caller, body: &JsonMap) -> ChatResult<String> {
        self.lifecycle_actor(caller, body, "delete users").await?;
        let ids = id_list(body)?;
        let mode = |k: &str| str_field(body, k);
        let mut options = JsonMap::new();
        options.insert("hard_delete".into(), (mode("user").as_deref() == Some("hard")).into());
        options.insert("mark_messages_deleted".into(), mode("messages").is_some().into());
        if mode("messages").as_deref() == Some("hard") {
            options.insert("hard_delete".into(), true.into());
        }
        options.insert("delete_conversation_channels".into(), mode("conversations").is_some().into());
        let mut result = JsonMap::new();
        for id in &ids {
            let outcome = match self.delete_user(&Caller::Server, id, &options).await {
                Ok(_) => json!({"status": "ok"}),
                Err(e) => json!({"status": "error", "error": e.message}),
            };
            result.insert(id.clone(), outcome);
        }
        self.record_task(json!({"status": "completed", "result": result})).await
    }

    /// `POST /users/deactivate` / `POST /users/reactivate` (`user_ids` and the single-user
    /// options): each user now; the result is a completed task.
    pub async fn change_users(&self, caller: &Caller, body: &JsonMap, reactivate: bool) -> ChatResult<String> {
        self.lifecycle_actor(caller, body, "deactivate or reactivate users").await?;
        let mut result = JsonMap::new();
        for id in id_list(body)? {
            let outcome =
                if reactivate { self.reactivate_user(caller, &id, body).await } else { self.deactivate_user(caller, &id, body).await };
            let status = match outcome {
                Ok(_) => json!({"status": "ok"}),
                Err(e) => json!({"status": "error", "error": e.message}),
            };
            result.insert(id, status);
        }
        self.record_task(json!({"status": "completed", "result": result})).await
    }

    /// Deletes (soft or hard) every stored message of `user`; `user.messages.deleted` to the
    /// watchers of each channel involved and to the user's connections. Returns the channels.
    pub(crate) async fn delete_user_messages(&self, user: &User, hard: bool) -> ChatResult<Vec<String>> {
        let now = clock::now();
        let mut cids = Vec::new();
        for channel in self.store().list_channels().await? {
            let mine: Vec<MessageRecord> = self
                .store()
                .channel_messages(&channel.cid, MessageCursor::Latest, self.limits().max_channel_messages)
                .await?
                .into_iter()
                .filter(|m| m.user_id == user.id && (hard || !m.is_deleted()))
                .collect();
            if mine.is_empty() {
                continue;
            }
            for m in &mine {
                if hard {
                    self.store().delete_message(&m.id).await?;
                } else {
                    let soft = |m: &MessageRecord| {
                        (!m.is_deleted()).then(|| {
                            let mut m = m.clone();
                            m.kind = TYPE_DELETED.into();
                            m.deleted_at = Some(now.clone());
                            m.updated_at = now.clone();
                            m
                        })
                    };
                    self.store().update_message(&m.id, &soft).await?;
                }
            }
            let mut event = channel_event("user.messages.deleted", &channel);
            event.insert("user".into(), user_json(user));
            event.insert("soft_delete".into(), (!hard).into());
            event.insert("hard_delete".into(), hard.into());
            self.publish_to_channel(&channel.cid, &event).await?;
            cids.push(channel.cid);
        }
        if !cids.is_empty() {
            let mut event = bare_event("user.messages.deleted");
            event.insert("user".into(), user_json(user));
            event.insert("soft_delete".into(), (!hard).into());
            event.insert("hard_delete".into(), hard.into());
            self.publish_to_user(&user.id, None, &event).await?;
        }
        Ok(cids)
    }

    /// Undoes the soft deletes of `user`'s messages made since `since` (reactivation).
    async fn restore_user_messages(&self, user: &User, since: &str) -> ChatResult<()> {
        for channel in self.store().list_channels().await? {
            let page = self.store().channel_messages(&channel.cid, MessageCursor::Latest, self.limits().max_channel_messages).await?;
            for m in page.iter().filter(|m| m.user_id == user.id && m.is_deleted()) {
                if m.deleted_at.as_deref().is_some_and(|d| d >= since) {
                    let restore = |m: &MessageRecord| {
                        m.is_deleted().then(|| {
                            let mut m = m.clone();
                            m.kind = TYPE_REGULAR.into();
                            m.deleted_at = None;
                            m
                        })
                    };
                    self.store().update_message(&m.id, &restore).await?;
                }
            }
        }
        Ok(())
    }

    /// Server calls (naming `created_by_id` optionally) and admins; returns the acting user id.
    async fn lifecycle_actor(&self, caller: &Caller, body: &JsonMap, what: &str) -> ChatResult<Option<String>> {
        match self.require_admin(caller, what).await? {
            Some(admin) => Ok(Some(admin.id)),
            None => Ok(user_field(body, "created_by_id")),
        }
    }

    async fn user_or_id(&self, id: &str) -> ChatResult<Value> {
        Ok(self.store().get_user(id).await?.as_ref().map(user_json).unwrap_or_else(|| json!({"id": id})))
    }
}

fn id_list(body: &JsonMap) -> ChatResult<Vec<String>> {
    let ids: Vec<String> = match body.get("user_ids") {
        Some(Value::Array(ids)) => ids.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    };
    if ids.is_empty() {
        return Err(ChatError::input("user_ids is a required field"));
    }
    Ok(ids)
}
