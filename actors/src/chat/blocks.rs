//! User blocks (`POST /users/block`, `POST /users/unblock`, `GET /users/block`): a user stops
//! seeing the messages of the users they block (channel queries leave them out).
//!
//! Stream has no socket event for blocks; herald publishes `user.blocked` / `user.unblocked`
//! (with `user` = the blocker, `blocked_user`) to the blocker's own connections only — the
//! blocked user is never told — and through the tap to webhooks (TalkPlus `user_blocked` /
//! `user_unblocked`).

use super::views::{bare_event, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::app::BlockRecord;
use herald_proto::message::MessageRecord;
use serde_json::{json, Value};

impl Chat {
    /// Who is blocking: the token's user, or `user_id` for a server call.
    fn blocker(&self, caller: &Caller, user_id: Option<&str>) -> ChatResult<String> {
        match (caller, user_id) {
            (Caller::User(id), Some(named)) if named != id => Err(ChatError::forbidden("user_id must be the token's user")),
            (Caller::User(id), _) => Ok(id.clone()),
            (Caller::Server, Some(named)) if !named.is_empty() => Ok(named.to_owned()),
            (Caller::Server, _) => Err(ChatError::input("user_id is required with server-side authentication")),
        }
    }

    /// `POST /users/block`: returns the block (`blocked_by_user_id`, `blocked_user_id`, `created_at`).
    pub async fn block_user(&self, caller: &Caller, user_id: Option<&str>, blocked: &str) -> ChatResult<Value> {
        let user_id = self.blocker(caller, user_id)?;
        if blocked.is_empty() {
            return Err(ChatError::input("blocked_user_id is required"));
        }
        if blocked == user_id {
            return Err(ChatError::input("a user cannot block themselves"));
        }
        let user = self.existing_user(&user_id).await?;
        let target = self.existing_user(blocked).await?;
        let record = BlockRecord { user_id: user_id.clone(), blocked_user_id: blocked.to_owned(), created_at: clock::now() };
        let (record, new) = self.store().block_user(record).await?;
        if new {
            self.announce_block("user.blocked", &user, user_json(&target)).await?;
        }
        Ok(json!({"blocked_by_user_id": record.user_id, "blocked_user_id": record.blocked_user_id, "created_at": record.created_at}))
    }

    /// `POST /users/unblock`.
    pub async fn unblock_user(&self, caller: &Caller, user_id: Option<&str>, blocked: &str) -> ChatResult<()> {
        let user_id = self.blocker(caller, user_id)?;
        if blocked.is_empty() {
            return Err(ChatError::input("blocked_user_id is required"));
        }
        let user = self.existing_user(&user_id).await?;
        if self.store().unblock_user(&user_id, blocked).await? {
            let target = self.store().get_user(blocked).await?.map(|u| user_json(&u)).unwrap_or_else(|| json!({"id": blocked}));
            self.announce_block("user.unblocked", &user, target).await?;
        }
        Ok(())
    }

    /// `GET /users/block`: the users `user_id` blocks, oldest first.
    pub async fn blocked_users(&self, caller: &Caller, user_id: Option<&str>) -> ChatResult<Vec<Value>> {
        let user_id = self.blocker(caller, user_id)?;
        let blocks = self.store().blocked_users(&user_id).await?;
        let ids: Vec<String> = blocks.iter().map(|b| b.blocked_user_id.clone()).collect();
        let users = self.store().get_users(&ids).await?;
        Ok(blocks
            .iter()
            .map(|b| {
                let blocked = users.iter().find(|u| u.id == b.blocked_user_id).map(user_json).unwrap_or(json!({"id": b.blocked_user_id}));
                json!({"user_id": b.user_id, "blocked_user_id": b.blocked_user_id, "created_at": b.created_at, "blocked_user": blocked})
            })
            .collect())
    }

    /// `messages` without those of users `viewer` blocks.
    pub(crate) async fn without_blocked(&self, messages: Vec<MessageRecord>, viewer: Option<&str>) -> ChatResult<Vec<MessageRecord>> {
        let Some(viewer) = viewer else { return Ok(messages) };
        let blocks = self.store().blocked_users(viewer).await?;
        if blocks.is_empty() {
            return Ok(messages);
        }
        Ok(messages.into_iter().filter(|m| !blocks.iter().any(|b| b.blocked_user_id == m.user_id)).collect())
    }

    async fn announce_block(&self, kind: &str, user: &herald_proto::user::User, target: Value) -> ChatResult<()> {
        let mut event = bare_event(kind);
        event.insert("user".into(), user_json(user));
        event.insert("blocked_by_user_id".into(), user.id.clone().into());
        event.insert("blocked_user_id".into(), target.get("id").cloned().unwrap_or(Value::Null));
        event.insert("blocked_user".into(), target);
        self.publish_to_user(&user.id, None, &event).await
    }
}
