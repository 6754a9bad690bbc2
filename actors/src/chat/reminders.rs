//! Message reminders: `POST`/`PATCH`/`DELETE /messages/{id}/reminders`, `POST /reminders/query`,
//! and firing the due ones ([`Chat::fire_due_reminders`], called by the
//! [`crate::scheduler::ReminderScheduler`] of every node).
//!
//! A reminder is one record per (user, message) in the Store's `reminders` family; one with a
//! `remind_at` is also on the family's schedule. Every node polls the schedule; a due reminder is
//! claimed atomically (the Store's `claim_due`: in Redis, the one `ZREM` that removes it wins), so
//! `notification.reminder_due` fires exactly once however many nodes run. Events —
//! `reminder.created` / `.updated` / `.deleted` and `notification.reminder_due` — go to the
//! reminder owner's connections only. Who may: a user for themselves, on messages of channels they
//! can read; server calls name `user_id`.

use super::message_views::message_json;
use super::moderation::{millis, str_field, user_field};
use super::users::match_values;
use super::views::{bare_event, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const REMINDERS: &str = "reminders";
/// Due reminders one poll fires at most (the rest wait for the next poll).
const FIRE_BATCH: usize = 100;

/// A stored reminder.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Reminder {
    user_id: String,
    message_id: String,
    channel_cid: String,
    #[serde(default)]
    remind_at: Option<String>,
    created_at: String,
    updated_at: String,
}

fn reminder_key(user: &str, message: &str) -> String {
    format!("{user}|{message}")
}

/// `remind_at`: absent or null (none), or an RFC 3339 time.
fn remind_at(body: &JsonMap) -> ChatResult<Option<String>> {
    match body.get("remind_at") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if millis(s).is_some() => Ok(Some(s.clone())),
        Some(other) => Err(ChatError::input(format!("remind_at must be an RFC 3339 time, not {other}"))),
    }
}

impl Chat {
    /// `POST /messages/{id}/reminders`.
    pub async fn create_reminder(&self, caller: &Caller, message_id: &str, body: JsonMap) -> ChatResult<Value> {
        let (user, cid) = self.reminder_parties(caller, message_id, &body).await?;
        let at = remind_at(&body)?;
        let now = clock::now();
        let reminder = Reminder {
            user_id: user.id.clone(),
            message_id: message_id.to_owned(),
            channel_cid: cid,
            remind_at: at,
            created_at: now.clone(),
            updated_at: now,
        };
        let record = serde_json::to_value(&reminder).map_err(|e| ChatError::input(e.to_string()))?;
        let key = reminder_key(&user.id, message_id);
        let (before, _) = self.store().update_record(REMINDERS, &key, &|current| current.is_none().then(|| record.clone())).await?;
        if before.is_some() {
            return Err(ChatError::input(format!("user {:?} already has a reminder for message {message_id:?}", user.id)));
        }
        self.schedule_reminder(&key, &reminder).await?;
        self.announce_reminder("reminder.created", &reminder).await
    }

    /// `PATCH /messages/{id}/reminders`: changes `remind_at` (null clears it).
    pub async fn update_reminder(&self, caller: &Caller, message_id: &str, body: JsonMap) -> ChatResult<Value> {
        let (user, _) = self.reminder_parties(caller, message_id, &body).await?;
        let at = remind_at(&body)?;
        let now = clock::now();
        let key = reminder_key(&user.id, message_id);
        let (_, after) = self
            .store()
            .update_record(REMINDERS, &key, &|current| {
                let mut r: Reminder = serde_json::from_value(current?.clone()).ok()?;
                r.remind_at = at.clone();
                r.updated_at = now.clone();
                serde_json::to_value(r).ok()
            })
            .await?;
        let reminder: Reminder = after
            .and_then(|a| serde_json::from_value(a).ok())
            .ok_or_else(|| ChatError::not_found(format!("user {:?} has no reminder for message {message_id:?}", user.id)))?;
        self.schedule_reminder(&key, &reminder).await?;
        self.announce_reminder("reminder.updated", &reminder).await
    }

    /// `DELETE /messages/{id}/reminders[?user_id=…]`.
    pub async fn delete_reminder(&self, caller: &Caller, message_id: &str, query: JsonMap) -> ChatResult<()> {
        let user = self.reminder_owner(caller, &query).await?;
        let key = reminder_key(&user.id, message_id);
        let removed = self.store().delete_record(REMINDERS, &key).await?;
        let reminder: Reminder = removed
            .and_then(|r| serde_json::from_value(r).ok())
            .ok_or_else(|| ChatError::not_found(format!("user {:?} has no reminder for message {message_id:?}", user.id)))?;
        self.store().unschedule(REMINDERS, &key).await?;
        self.announce_reminder("reminder.deleted", &reminder).await?;
        Ok(())
    }

    /// `POST /reminders/query`: the user's reminders; `filter` on `channel_cid`, `message_id`
    /// (`$eq`, `$in` or a value); sorted by `remind_at` (no time last), `limit` (default 25).
    pub async fn query_reminders(&self, caller: &Caller, body: JsonMap) -> ChatResult<Vec<Value>> {
        let user = self.reminder_owner(caller, &body).await?;
        let filter = match body.get("filter").or_else(|| body.get("filter_conditions")) {
            Some(Value::Object(f)) => f.clone(),
            None | Some(Value::Null) => JsonMap::new(),
            Some(_) => return Err(ChatError::input("filter must be an object")),
        };
        let prefix = format!("{}|", user.id);
        let mut found = Vec::new();
        for (key, record) in self.store().list_records(REMINDERS).await? {
            if !key.starts_with(&prefix) {
                continue;
            }
            let Ok(r) = serde_json::from_value::<Reminder>(record) else { continue };
            let fields = json!({"channel_cid": r.channel_cid, "message_id": r.message_id});
            let mut keep = true;
            for (field, cond) in &filter {
                let wanted = match_values(cond).ok_or_else(|| ChatError::input(format!("unsupported filter on {field:?}")))?;
                keep &= wanted.contains(&fields.get(field).cloned().unwrap_or(Value::Null));
            }
            if keep {
                found.push(r);
            }
        }
        found.sort_by(|a, b| {
            (a.remind_at.is_none(), &a.remind_at, &a.created_at).cmp(&(b.remind_at.is_none(), &b.remind_at, &b.created_at))
        });
        let limit = body.get("limit").and_then(Value::as_u64).unwrap_or(25).min(100) as usize;
        let mut out = Vec::new();
        for r in found.into_iter().take(limit) {
            out.push(self.reminder_json(&r).await?);
        }
        Ok(out)
    }

    /// Claims the reminders due now and publishes `notification.reminder_due` for each; returns
    /// how many fired. Safe to call on every node at once.
    pub async fn fire_due_reminders(&self) -> ChatResult<usize> {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let keys = self.store().claim_due(REMINDERS, now_ms, FIRE_BATCH).await?;
        let mut fired = 0;
        for key in keys {
            let Some(record) = self.store().get_record(REMINDERS, &key).await? else { continue }; // deleted meanwhile
            let Ok(reminder) = serde_json::from_value::<Reminder>(record) else { continue };
            match reminder.remind_at.as_deref().and_then(millis) {
                Some(at) if at <= now_ms => {}
                Some(at) => {
                    // moved later between the claim and now: back on the schedule
                    self.store().schedule(REMINDERS, &key, at).await?;
                    continue;
                }
                None => continue,
            }
            let mut event = self.reminder_event("notification.reminder_due", &reminder).await?;
            event.insert("created_at".into(), clock::now().into());
            self.publish_to_user(&reminder.user_id, None, &event).await?;
            fired += 1;
        }
        Ok(fired)
    }

    async fn schedule_reminder(&self, key: &str, reminder: &Reminder) -> ChatResult<()> {
        match reminder.remind_at.as_deref().and_then(millis) {
            Some(at) => self.store().schedule(REMINDERS, key, at).await?,
            None => self.store().unschedule(REMINDERS, key).await?,
        }
        Ok(())
    }

    /// The owner (who must be able to read the message's channel) and the message's cid.
    async fn reminder_parties(&self, caller: &Caller, message_id: &str, body: &JsonMap) -> ChatResult<(User, String)> {
        let user = self.reminder_owner(caller, body).await?;
        let message = self.existing_message(message_id).await?;
        let standing = self.standing(&Caller::User(user.id.clone()), &message.cid, None).await?;
        if !standing.access().can_read() {
            return Err(ChatError::forbidden(format!("user {:?} cannot read the channel of message {message_id:?}", user.id)));
        }
        Ok((user, message.cid))
    }

    async fn reminder_owner(&self, caller: &Caller, body: &JsonMap) -> ChatResult<User> {
        match caller {
            Caller::User(id) => self.ensure_user(id).await,
            Caller::Server => {
                let id = user_field(body, "user_id").or_else(|| str_field(body, "user_id"));
                self.existing_user(&id.ok_or_else(|| ChatError::input("server-side reminder calls need user_id"))?).await
            }
        }
    }

    async fn reminder_json(&self, r: &Reminder) -> ChatResult<Value> {
        let mut obj = JsonMap::new();
        obj.insert("channel_cid".into(), r.channel_cid.clone().into());
        obj.insert("message_id".into(), r.message_id.clone().into());
        obj.insert("user_id".into(), r.user_id.clone().into());
        obj.insert("remind_at".into(), r.remind_at.clone().map_or(Value::Null, Value::from));
        obj.insert("created_at".into(), r.created_at.clone().into());
        obj.insert("updated_at".into(), r.updated_at.clone().into());
        let user = self.store().get_user(&r.user_id).await?;
        obj.insert("user".into(), user.as_ref().map(user_json).unwrap_or_else(|| json!({"id": r.user_id})));
        if let Some(message) = self.store().get_message(&r.message_id).await? {
            let users = self.users_for(&[&message]).await?;
            obj.insert("message".into(), message_json(&message, &users, None));
        }
        if let Ok(loaded) = self.load_channel(&r.channel_cid).await {
            obj.insert("channel".into(), self.channel_payload(&loaded).await?);
        }
        Ok(Value::Object(obj))
    }

    async fn reminder_event(&self, kind: &str, r: &Reminder) -> ChatResult<JsonMap> {
        let mut event = bare_event(kind);
        event.insert("cid".into(), r.channel_cid.clone().into());
        event.insert("message_id".into(), r.message_id.clone().into());
        event.insert("user_id".into(), r.user_id.clone().into());
        event.insert("reminder".into(), self.reminder_json(r).await?);
        Ok(event)
    }

    /// Publishes `kind` to the owner's connections; returns the reminder as shown.
    async fn announce_reminder(&self, kind: &str, r: &Reminder) -> ChatResult<Value> {
        let event = self.reminder_event(kind, r).await?;
        let shown = event.get("reminder").cloned().unwrap_or(Value::Null);
        self.publish_to_user(&r.user_id, None, &event).await?;
        Ok(shown)
    }
}
