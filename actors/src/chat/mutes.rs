//! User mutes: `POST /moderation/mute` and `POST /moderation/unmute`, and the `mutes` of `me`.
//!
//! A user's mutes are one record in the Store's `mutes` family (key: the muting user), so every
//! node sees them. A mute may have a timeout (minutes); expired mutes are dropped when read.
//! Each change publishes `notification.mutes_updated` with the complete `me` (its `mutes`) to the
//! muting user's connections only (seed table: "clients from the user that updated the list of
//! mutes"). Each target muted or unmuted also gets one `user.muted` / `user.unmuted` (the webhook
//! catalogue's events, with `user` and `target_user`) to the same connections: the muted user is
//! never told. Who may: a user mutes for themselves; a server call names the user (`user_id`).

use super::moderation::{after_minutes, expired, str_field, timeout_field, user_field, MUTES};
use super::views::{bare_event, me_json_with, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// One stored mute.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Mute {
    target_id: String,
    created_at: String,
    updated_at: String,
    #[serde(default)]
    expires: Option<String>,
}

/// What a mute call returns: the new mute(s) and the user's mutes afterwards.
pub struct MuteOutcome {
    pub mutes: Vec<Value>,
    pub changed: Vec<Value>,
    pub own_user: Value,
}

impl Chat {
    /// `POST /moderation/mute`: `target_ids` (or `target_id`), optional `timeout` in minutes.
    pub async fn mute_users(&self, caller: &Caller, body: JsonMap) -> ChatResult<MuteOutcome> {
        let (user, targets) = self.mute_parties(caller, &body).await?;
        let expires = timeout_field(&body, "timeout")?.map(after_minutes);
        let now = clock::now();
        let (_, after) = self
            .update_mutes(&user.id, &|current| {
                let mut mutes: Vec<Mute> = current.to_vec();
                for target in &targets {
                    match mutes.iter_mut().find(|m| &m.target_id == target) {
                        Some(m) => {
                            m.updated_at = now.clone();
                            m.expires = expires.clone();
                        }
                        None => mutes.push(Mute {
                            target_id: target.clone(),
                            created_at: now.clone(),
                            updated_at: now.clone(),
                            expires: expires.clone(),
                        }),
                    }
                }
                mutes
            })
            .await?;
        let changed: Vec<Mute> = after.iter().filter(|m| targets.contains(&m.target_id)).cloned().collect();
        let outcome = self.announce_mutes(&user, after, changed).await?;
        self.announce_targets("user.muted", &user, &targets).await?;
        Ok(outcome)
    }

    /// `POST /moderation/unmute`: `target_ids` (or `target_id`).
    pub async fn unmute_users(&self, caller: &Caller, body: JsonMap) -> ChatResult<MuteOutcome> {
        let (user, targets) = self.mute_parties(caller, &body).await?;
        let (before, after) =
            self.update_mutes(&user.id, &|current| current.iter().filter(|m| !targets.contains(&m.target_id)).cloned().collect()).await?;
        let unmuted: Vec<String> = before.into_iter().map(|m| m.target_id).filter(|t| targets.contains(t)).collect();
        let outcome = self.announce_mutes(&user, after, Vec::new()).await?;
        self.announce_targets("user.unmuted", &user, &unmuted).await?;
        Ok(outcome)
    }

    /// One `kind` event (`user.muted` / `user.unmuted`) per target to the muting user's connections.
    async fn announce_targets(&self, kind: &str, user: &User, targets: &[String]) -> ChatResult<()> {
        for target in self.store().get_users(targets).await? {
            let mut event = bare_event(kind);
            event.insert("user".into(), user_json(user));
            event.insert("target_user".into(), user_json(&target));
            self.publish_to_user(&user.id, None, &event).await?;
        }
        Ok(())
    }

    /// A user's current mutes as `me.mutes` shows them (`[{user, target, created_at, …}]`).
    pub async fn mutes_of(&self, user: &User) -> ChatResult<Vec<Value>> {
        let mutes = self.stored_mutes(&user.id).await?;
        self.mutes_json(user, &mutes).await
    }

    /// The handshake frame with the user's own state in `me` (mutes, channel mutes, unread
    /// counts: [`Chat::me_fields`]).
    pub async fn handshake(&self, conn: &str, me: &User) -> ChatResult<String> {
        let own = self.me_fields(&me.id).await?;
        Ok(Chat::handshake_frame_with(conn, me, &own))
    }

    async fn stored_mutes(&self, user_id: &str) -> ChatResult<Vec<Mute>> {
        let record = self.store().get_record(MUTES, user_id).await?;
        Ok(decode(record.as_ref()).into_iter().filter(|m| !expired(m.expires.as_deref())).collect())
    }

    /// Replaces a user's mutes with `f(current, unexpired)`; returns them before and afterwards.
    async fn update_mutes(&self, user_id: &str, f: &(dyn Fn(&[Mute]) -> Vec<Mute> + Send + Sync)) -> ChatResult<(Vec<Mute>, Vec<Mute>)> {
        let (before, after) = self
            .store()
            .update_record(MUTES, user_id, &|current| {
                let live: Vec<Mute> = decode(current).into_iter().filter(|m| !expired(m.expires.as_deref())).collect();
                serde_json::to_value(f(&live)).ok()
            })
            .await?;
        let live_before = decode(before.as_ref()).into_iter().filter(|m| !expired(m.expires.as_deref())).collect();
        Ok((live_before, decode(after.as_ref())))
    }

    /// The muting user and the targets (each must exist).
    async fn mute_parties(&self, caller: &Caller, body: &JsonMap) -> ChatResult<(User, Vec<String>)> {
        let user = match caller {
            Caller::User(id) => self.ensure_user(id).await?,
            Caller::Server => {
                let id = user_field(body, "user_id").ok_or_else(|| ChatError::input("server-side mutes need user_id"))?;
                self.existing_user(&id).await?
            }
        };
        let mut targets: Vec<String> = match body.get("target_ids") {
            Some(Value::Array(ids)) => ids.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        };
        targets.extend(str_field(body, "target_id"));
        targets.dedup();
        if targets.is_empty() {
            return Err(ChatError::input("target_ids is a required field"));
        }
        if targets.contains(&user.id) {
            return Err(ChatError::input("a user cannot mute themselves"));
        }
        let found = self.store().get_users(&targets).await?;
        if let Some(missing) = targets.iter().find(|t| !found.iter().any(|u| &&u.id == t)) {
            return Err(ChatError::not_found(format!("target user {missing:?} does not exist")));
        }
        Ok((user, targets))
    }

    async fn mutes_json(&self, user: &User, mutes: &[Mute]) -> ChatResult<Vec<Value>> {
        let ids: Vec<String> = mutes.iter().map(|m| m.target_id.clone()).collect();
        let targets: HashMap<String, User> = self.store().get_users(&ids).await?.into_iter().map(|u| (u.id.clone(), u)).collect();
        Ok(mutes
            .iter()
            .map(|m| {
                let target = targets.get(&m.target_id).map(user_json).unwrap_or_else(|| serde_json::json!({"id": m.target_id}));
                let mut obj = JsonMap::new();
                obj.insert("user".into(), user_json(user));
                obj.insert("target".into(), target);
                obj.insert("created_at".into(), m.created_at.clone().into());
                obj.insert("updated_at".into(), m.updated_at.clone().into());
                if let Some(expires) = &m.expires {
                    obj.insert("expires".into(), expires.clone().into());
                }
                Value::Object(obj)
            })
            .collect())
    }

    async fn announce_mutes(&self, user: &User, after: Vec<Mute>, changed: Vec<Mute>) -> ChatResult<MuteOutcome> {
        let mutes = self.mutes_json(user, &after).await?;
        let changed = self.mutes_json(user, &changed).await?;
        let mut me = me_json_with(user, &self.me_fields(&user.id).await?);
        if let Value::Object(obj) = &mut me {
            obj.insert("mutes".into(), mutes.clone().into());
        }
        let mut event = bare_event("notification.mutes_updated");
        event.insert("me".into(), me.clone());
        self.publish_to_user(&user.id, None, &event).await?;
        Ok(MuteOutcome { mutes, changed, own_user: me })
    }
}

fn decode(record: Option<&Value>) -> Vec<Mute> {
    record.and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default()
}
