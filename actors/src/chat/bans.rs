//! Bans: `POST /moderation/ban`, `DELETE /moderation/ban`, `GET /query_banned_users`, and the
//! check every send makes ([`Chat::check_not_banned`]).
//!
//! A ban is global or per channel, optionally with a timeout (minutes) after which it no longer
//! applies (checked on use: no timer), a reason, `shadow` and `ip_ban` (kept, not enforced by IP).
//! Bans live in the Store's `bans` records, keyed `{cid or *}|{user}`, so every node enforces
//! them. A global ban also sets the user's `banned`/`ban_expires`; a channel ban the member's
//! `banned`/`shadow_banned`.
//!
//! Events: `user.banned` / `user.unbanned` go to the banned user's connections (seed table:
//! "clients for the banned user") and, for a channel ban, to the channel's watchers (the JS client
//! marks the member banned from it); the user's connections that watch the channel get it once,
//! from the channel. Shadow bans publish nothing: the banned user must not learn of them.
//! Who may: server-side calls and admins anywhere; a channel's moderators for channel bans.

use super::access::Access;
use super::moderation::{after_minutes, bool_field, expired, str_field, timeout_field, user_field, BANS};
use super::users::match_values;
use super::views::{bare_event, channel_event, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A stored ban.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Ban {
    pub user_id: String,
    #[serde(default)]
    pub channel_cid: Option<String>,
    #[serde(default)]
    pub banned_by_id: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub shadow: bool,
    #[serde(default)]
    pub ip_ban: bool,
    pub created_at: String,
    #[serde(default)]
    pub expires: Option<String>,
}

impl Ban {
    fn active(&self) -> bool {
        !expired(self.expires.as_deref())
    }
}

fn ban_key(user: &str, cid: Option<&str>) -> String {
    format!("{}|{user}", cid.unwrap_or("*"))
}

/// Where a ban applies and who acts, after the permission check.
struct Scope {
    target: User,
    cid: Option<String>,
    actor: Option<User>,
    channel: Option<super::channels::Loaded>,
}

impl Chat {
    /// `POST /moderation/ban`.
    pub async fn ban_user(&self, caller: &Caller, body: JsonMap) -> ChatResult<()> {
        let scope = self.ban_scope(caller, &body).await?;
        let timeout = timeout_field(&body, "timeout")?;
        let shadow = bool_field(&body, "shadow");
        let now = clock::now();
        let ban = Ban {
            user_id: scope.target.id.clone(),
            channel_cid: scope.cid.clone(),
            banned_by_id: scope.actor.as_ref().map(|u| u.id.clone()),
            reason: str_field(&body, "reason"),
            shadow,
            ip_ban: bool_field(&body, "ip_ban"),
            created_at: now.clone(),
            expires: timeout.map(after_minutes),
        };
        let record = serde_json::to_value(&ban).map_err(|e| ChatError::input(e.to_string()))?;
        self.store().update_record(BANS, &ban_key(&ban.user_id, ban.channel_cid.as_deref()), &|_| Some(record.clone())).await?;
        let target = self.mark_banned(&scope, Some(&ban)).await?;
        if let Some(mode) = str_field(&body, "delete_messages") {
            let hard = match mode.as_str() {
                "hard" => true,
                "soft" | "pruning" => false,
                other => return Err(ChatError::input(format!("delete_messages must be soft, pruning or hard, not {other:?}"))),
            };
            self.delete_user_messages(&target, hard).await?;
        }
        if shadow {
            return Ok(());
        }
        let mut extra = JsonMap::new();
        if let Some(actor) = &scope.actor {
            extra.insert("created_by".into(), user_json(actor));
        }
        if let Some(reason) = &ban.reason {
            extra.insert("reason".into(), reason.clone().into());
        }
        if let Some(expires) = &ban.expires {
            extra.insert("expiration".into(), expires.clone().into());
        }
        extra.insert("shadow".into(), false.into());
        self.announce_ban("user.banned", &scope, &target, extra).await
    }

    /// `DELETE /moderation/ban?target_user_id=…[&type=…&id=…]`: lifts the ban (no event when
    /// there was none).
    pub async fn unban_user(&self, caller: &Caller, query: JsonMap) -> ChatResult<()> {
        let scope = self.ban_scope(caller, &query).await?;
        let removed = self.store().delete_record(BANS, &ban_key(&scope.target.id, scope.cid.as_deref())).await?;
        let Some(removed) = removed else { return Ok(()) };
        let target = self.mark_banned(&scope, None).await?;
        let shadow = serde_json::from_value::<Ban>(removed).map(|b| b.shadow).unwrap_or(false);
        if shadow {
            return Ok(());
        }
        self.announce_ban("user.unbanned", &scope, &target, JsonMap::new()).await
    }

    /// 403 (code 17) when `user_id` is banned (globally or in `cid`) by an active, non-shadow ban.
    /// `action` names the refused call (`SendMessage`, `SendReaction`, `SendEvent`).
    pub(crate) async fn check_not_banned(&self, user_id: &str, cid: &str, action: &str) -> ChatResult<()> {
        // the global ban and the channel's, read in one store call: this runs for every message,
        // reaction and custom event
        let keys = [ban_key(user_id, None), ban_key(user_id, Some(cid))];
        let records = self.store().get_records(BANS, &keys).await?;
        for (record, in_channel) in records.into_iter().zip([false, true]) {
            let Some(record) = record else { continue };
            let Ok(ban) = serde_json::from_value::<Ban>(record) else { continue };
            if ban.shadow {
                continue;
            }
            if ban.active() {
                let scope = if in_channel { format!(" from channel {cid}") } else { String::new() };
                return Err(ChatError::forbidden(format!("{action} failed with error: \"user '{user_id}' is banned{scope}\"")));
            }
            if ban.channel_cid.is_none() {
                self.clear_expired_ban_flag(user_id, &ban).await?;
            }
        }
        Ok(())
    }

    /// `GET /query_banned_users?payload={filter_conditions, limit, offset}`: active bans, oldest
    /// first. Filters: `user_id`, `channel_cid`, `banned_by_id` (`$eq`, `$in` or a value).
    pub async fn query_banned_users(&self, caller: &Caller, payload: JsonMap) -> ChatResult<Vec<Value>> {
        self.require_admin(caller, "query banned users").await?;
        let filter = match payload.get("filter_conditions") {
            Some(Value::Object(f)) => f.clone(),
            None | Some(Value::Null) => JsonMap::new(),
            Some(_) => return Err(ChatError::input("filter_conditions must be an object")),
        };
        let mut bans = Vec::new();
        for (_, record) in self.store().list_records(BANS).await? {
            let Ok(ban) = serde_json::from_value::<Ban>(record) else { continue };
            if !ban.active() {
                continue;
            }
            let fields = json!({"user_id": ban.user_id, "channel_cid": ban.channel_cid, "banned_by_id": ban.banned_by_id});
            let mut keep = true;
            for (field, cond) in &filter {
                let wanted = match_values(cond).ok_or_else(|| ChatError::input(format!("unsupported filter on {field:?}")))?;
                keep &= wanted.contains(&fields.get(field).cloned().unwrap_or(Value::Null));
            }
            if keep {
                bans.push(ban);
            }
        }
        bans.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        let offset = payload.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
        let limit = payload.get("limit").and_then(Value::as_u64).unwrap_or(100).min(300) as usize;
        let mut out = Vec::new();
        for ban in bans.into_iter().skip(offset).take(limit) {
            let user = self.store().get_user(&ban.user_id).await?;
            let by = match &ban.banned_by_id {
                Some(id) => self.store().get_user(id).await?,
                None => None,
            };
            let mut obj = JsonMap::new();
            obj.insert("user".into(), user.as_ref().map(user_json).unwrap_or_else(|| json!({"id": ban.user_id})));
            if let Some(by) = by {
                obj.insert("banned_by".into(), user_json(&by));
            }
            if let Some(cid) = &ban.channel_cid {
                if let Ok(loaded) = self.load_channel(cid).await {
                    obj.insert("channel".into(), self.channel_payload(&loaded).await?);
                }
            }
            obj.insert("reason".into(), ban.reason.clone().map_or(Value::Null, Value::from));
            obj.insert("expires".into(), ban.expires.clone().map_or(Value::Null, Value::from));
            obj.insert("shadow".into(), ban.shadow.into());
            obj.insert("created_at".into(), ban.created_at.clone().into());
            out.push(Value::Object(obj));
        }
        Ok(out)
    }

    /// Clears the user's `banned` once a global ban has run out (unless a newer ban set it).
    async fn clear_expired_ban_flag(&self, user_id: &str, ban: &Ban) -> ChatResult<()> {
        let expires = ban.expires.clone();
        self.store()
            .update_user(user_id, &|current| {
                let u = current?;
                (u.banned && u.ban_expires == expires).then(|| {
                    let mut u = u.clone();
                    u.banned = false;
                    u.ban_expires = None;
                    u
                })
            })
            .await?;
        Ok(())
    }

    /// Server-side calls and admins only.
    pub(crate) async fn require_admin(&self, caller: &Caller, what: &str) -> ChatResult<Option<User>> {
        match caller {
            Caller::Server => Ok(None),
            Caller::User(id) => {
                let user = self.ensure_user(id).await?;
                if user.is_admin() {
                    Ok(Some(user))
                } else {
                    Err(ChatError::forbidden(format!("user {id:?} is not allowed to {what}")))
                }
            }
        }
    }

    /// The target, channel and acting user of a ban or unban, after the permission check.
    async fn ban_scope(&self, caller: &Caller, body: &JsonMap) -> ChatResult<Scope> {
        let target_id = str_field(body, "target_user_id")
            .or_else(|| str_field(body, "target_id"))
            .ok_or_else(|| ChatError::input("target_user_id is a required field"))?;
        let target = self.existing_user(&target_id).await?;
        let cid = match (str_field(body, "type"), str_field(body, "id")) {
            (Some(kind), Some(id)) => Some(format!("{kind}:{id}")),
            (Some(_), None) | (None, Some(_)) => return Err(ChatError::input("a channel ban needs both type and id")),
            (None, None) => str_field(body, "channel_cid"),
        };
        let actor = match caller {
            Caller::User(id) => Some(self.ensure_user(id).await?),
            Caller::Server => match user_field(body, "banned_by_id").or_else(|| user_field(body, "user_id")) {
                Some(id) => Some(self.existing_user(&id).await?),
                None => None,
            },
        };
        if actor.as_ref().is_some_and(|a| a.id == target.id) {
            return Err(ChatError::input("a user cannot ban themselves"));
        }
        let channel = match &cid {
            Some(cid) => Some(self.load_channel(cid).await?),
            None => None,
        };
        if !caller.is_server() {
            let allowed = match &channel {
                Some(loaded) => {
                    let member = self.membership(&loaded.channel.cid, actor.as_ref()).await?;
                    let access = Access {
                        config: &loaded.config,
                        channel: &loaded.channel,
                        user: actor.as_ref(),
                        member: member.as_ref(),
                        server: false,
                    };
                    access.can_moderate()
                }
                None => actor.as_ref().is_some_and(User::is_admin),
            };
            if !allowed {
                let who = actor.as_ref().map_or("", |a| a.id.as_str());
                let scope = cid.as_deref().map_or("globally".to_owned(), |c| format!("in channel {c}"));
                return Err(ChatError::forbidden(format!("user {who:?} is not allowed to ban or unban users {scope}")));
            }
        }
        Ok(Scope { target, cid, actor, channel })
    }

    /// Mirrors a ban (or its end, `None`) on the user record (global) or the membership (channel).
    async fn mark_banned(&self, scope: &Scope, ban: Option<&Ban>) -> ChatResult<User> {
        let target = &scope.target.id;
        match &scope.cid {
            None => {
                let banned = ban.is_some_and(|b| !b.shadow);
                let expires = ban.and_then(|b| b.expires.clone());
                let user = self
                    .store()
                    .update_user(target, &|current| {
                        let mut u = current?.clone();
                        u.banned = banned;
                        u.ban_expires = if banned { expires.clone() } else { None };
                        match ban {
                            Some(b) if b.shadow => u.custom.insert("shadow_banned".into(), true.into()),
                            _ => u.custom.remove("shadow_banned"),
                        };
                        Some(u)
                    })
                    .await?;
                Ok(user.unwrap_or_else(|| scope.target.clone()))
            }
            Some(cid) => {
                if let Some(mut member) = self.store().get_member(cid, target).await? {
                    member.banned = ban.is_some_and(|b| !b.shadow);
                    member.shadow_banned = ban.is_some_and(|b| b.shadow);
                    member.updated_at = clock::now();
                    self.store().upsert_members(cid, vec![member]).await?;
                }
                Ok(scope.target.clone())
            }
        }
    }

    async fn announce_ban(&self, kind: &str, scope: &Scope, target: &User, extra: JsonMap) -> ChatResult<()> {
        let mut event = match &scope.channel {
            Some(loaded) => channel_event(kind, &loaded.channel),
            None => bare_event(kind),
        };
        event.insert("user".into(), user_json(target));
        event.extend(extra);
        match &scope.cid {
            Some(cid) => {
                self.publish_to_channel(cid, &event).await?;
                self.publish_to_user(&target.id, Some(cid), &event).await
            }
            None => self.publish_to_user(&target.id, None, &event).await,
        }
    }
}
