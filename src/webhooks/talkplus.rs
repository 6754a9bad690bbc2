//! TalkPlus-format payloads (seeds/talkplus-webhooks.txt): herald's events mapped to TalkPlus
//! event names, with the camelCase `channel` (members, mutedUsers, bannedUsers, lastMessage…),
//! `sender` / `user` / `users` / `message` / `reaction` / `blockedUser` as the seed shows them.
//! Times are epoch milliseconds.

use super::context::EventContext;
use herald_proto::channel::ROLE_MODERATOR;
use herald_proto::JsonMap;
use serde_json::{json, Value};

/// The TalkPlus name of a herald event, if it has one. Ban/mute events count only when they
/// concern one channel (they carry a `cid`).
pub fn event_name(kind: &str, event: &JsonMap) -> Option<&'static str> {
    let channel_scoped = event.contains_key("cid");
    Some(match kind {
        "message.new" => "message",
        "message.deleted" => "message_deleted",
        "reaction.new" => "reaction_added",
        "reaction.deleted" => "reaction_deleted",
        "channel.created" => "channel_added",
        "channel.updated" => "channel_changed",
        "channel.deleted" => "channel_removed",
        "member.added" => "member_added",
        "member.removed" => "member_left",
        "user.muted" if channel_scoped => "member_muted",
        "user.unmuted" if channel_scoped => "member_unmuted",
        "user.banned" if channel_scoped => "member_banned",
        "user.unbanned" if channel_scoped => "member_unbanned",
        "user.blocked" => "user_blocked",
        "user.unblocked" => "user_unblocked",
        _ => return None,
    })
}

/// Milliseconds since the epoch of an RFC 3339 time (0 when absent or unreadable).
pub fn millis(v: Option<&Value>) -> i64 {
    v.and_then(Value::as_str).and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()).map(|t| t.timestamp_millis()).unwrap_or(0)
}

fn str_of<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A TalkPlus user from a Stream user JSON.
pub fn user(u: &Value) -> Value {
    let id = str_of(u, "id");
    let name = u.get("name").and_then(Value::as_str).unwrap_or(id);
    json!({
        "id": id,
        "username": name,
        "profileImageUrl": str_of(u, "image"),
        "updatedAt": millis(u.get("updated_at")),
        "createdAt": millis(u.get("created_at")),
    })
}

/// A TalkPlus message from a Stream message JSON.
pub fn message(m: &Value, channel_id: &str) -> Value {
    let u = m.get("user").cloned().unwrap_or(Value::Null);
    let mut data = JsonMap::new();
    if let Value::Object(obj) = m {
        for (k, v) in obj {
            if !MESSAGE_FIELDS.contains(&k.as_str()) {
                data.insert(k.clone(), v.clone());
            }
        }
    }
    let mut out = json!({
        "id": str_of(m, "id"),
        "channelId": channel_id,
        "userId": str_of(&u, "id"),
        "username": u.get("name").and_then(Value::as_str).unwrap_or(str_of(&u, "id")),
        "profileImageUrl": str_of(&u, "image"),
        "type": "text",
        "text": str_of(m, "text"),
        "translations": {},
        "data": data,
        "createdAt": millis(m.get("created_at")),
    });
    if let Some(Value::Array(latest)) = m.get("latest_reactions") {
        let mut by_type: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for r in latest.iter().rev() {
            let who = r.get("user").map(|u| str_of(u, "id")).or(r.get("user_id").and_then(Value::as_str)).unwrap_or("");
            by_type.entry(str_of(r, "type").to_owned()).or_default().push(who.to_owned());
        }
        let reactions: JsonMap = by_type.into_iter().map(|(k, v)| (k, Value::from(v.join(",")))).collect();
        out["reactions"] = Value::Object(reactions);
    }
    out
}

/// Stream message fields that are not custom data.
const MESSAGE_FIELDS: &[&str] = &[
    "id",
    "text",
    "html",
    "type",
    "user",
    "attachments",
    "latest_reactions",
    "own_reactions",
    "reaction_counts",
    "reaction_scores",
    "reaction_groups",
    "reply_count",
    "cid",
    "created_at",
    "updated_at",
    "deleted_at",
    "mentioned_users",
    "silent",
    "pinned",
    "pinned_at",
    "pinned_by",
    "pin_expires",
    "shadowed",
    "parent_id",
    "message_text_updated_at",
];

/// The camelCase `channel` object.
pub fn channel(ctx: &EventContext) -> Value {
    let ch = ctx.channel_json();
    let custom_name = ch.get("name").and_then(Value::as_str).map(str::to_owned);
    let id = str_of(&ch, "id").to_owned();
    let mut data = JsonMap::new();
    if let Value::Object(obj) = &ch {
        for (k, v) in obj {
            if !CHANNEL_FIELDS.contains(&k.as_str()) {
                data.insert(k.clone(), v.clone());
            }
        }
    }
    let members: Vec<Value> = ctx
        .members
        .iter()
        .map(|m| {
            let mut u = user(m.get("user").unwrap_or(&Value::Null));
            u["disablePushNotification"] = m.get("notifications_muted").cloned().unwrap_or(Value::Bool(false));
            u["data"] = json!({});
            u["memberInfo"] = json!({});
            u["lastReadAt"] = json!(0);
            u["lastSentAt"] = json!(0);
            u
        })
        .collect();
    let banned: Vec<Value> = ctx
        .members
        .iter()
        .filter(|m| m.get("banned").and_then(Value::as_bool) == Some(true))
        .map(|m| user(m.get("user").unwrap_or(&Value::Null)))
        .collect();
    let owner = ch
        .get("created_by")
        .map(|u| str_of(u, "id").to_owned())
        .or_else(|| ctx.members.iter().find(|m| str_of(m, "channel_role") == ROLE_MODERATOR).map(|m| str_of(m, "user_id").to_owned()))
        .unwrap_or_default();
    let last_message = ctx.last_message.as_ref().map(|m| message(m, &id)).unwrap_or(Value::Null);
    json!({
        "id": id,
        "name": custom_name.unwrap_or_else(|| id.clone()),
        "imageUrl": str_of(&ch, "image"),
        "data": data,
        "ownerId": owner,
        "type": str_of(&ch, "type"),
        "category": "",
        "subcategory": "",
        "privateTag": "",
        "invitationCode": "",
        "isFrozen": ch.get("frozen").and_then(Value::as_bool).unwrap_or(false),
        "memberCount": ctx.member_count,
        "maxMemberCount": 0,
        "hideMessagesBeforeJoin": false,
        "members": members,
        "mutedUsers": [],
        "bannedUsers": banned,
        "bots": [],
        "lastSentAt": millis(ch.get("last_message_at")),
        "updatedAt": millis(ch.get("updated_at")),
        "createdAt": millis(ch.get("created_at")),
        "pushNotificationDisabled": false,
        "pushNotificationSoundAOS": "",
        "pushNotificationSoundIOS": "",
        "privateData": null,
        "unreadCount": 0,
        "lastReadAt": 0,
        "lastMessage": last_message,
    })
}

const CHANNEL_FIELDS: &[&str] = &[
    "id",
    "type",
    "cid",
    "name",
    "image",
    "created_by",
    "created_by_id",
    "created_at",
    "updated_at",
    "deleted_at",
    "frozen",
    "disabled",
    "member_count",
    "config",
    "own_capabilities",
    "last_message_at",
    "members",
    "hidden",
    "truncated_at",
];

/// The TalkPlus body of `event` (its herald type `kind`, TalkPlus name `name`).
pub fn render(name: &str, event: &JsonMap, ctx: &EventContext, app_id: &str) -> Value {
    let mut out = json!({"event": name, "appId": app_id});
    let null = Value::Null;
    let ev_user = event.get("user").unwrap_or(&null);
    match name {
        "user_blocked" | "user_unblocked" => {
            out["user"] = user(ev_user);
            out["blockedUser"] = user(event.get("blocked_user").unwrap_or(&null));
            return out;
        }
        _ => out["channel"] = channel(ctx),
    }
    let channel_id = event.get("channel_id").and_then(Value::as_str).unwrap_or("");
    match name {
        "message" | "message_deleted" => {
            let m = event.get("message").unwrap_or(&null);
            out["sender"] = user(m.get("user").unwrap_or(ev_user));
            out["message"] = message(m, channel_id);
        }
        "reaction_added" | "reaction_deleted" => {
            let m = event.get("message").unwrap_or(&null);
            out["user"] = user(ev_user);
            out["message"] = message(m, channel_id);
            out["reaction"] = event.get("reaction").and_then(|r| r.get("type")).cloned().unwrap_or(Value::from(""));
        }
        "member_added" | "member_left" | "member_muted" | "member_unmuted" | "member_banned" | "member_unbanned" => {
            let u = event.get("member").and_then(|m| m.get("user")).unwrap_or(ev_user);
            out["users"] = json!([user(u)]);
        }
        _ => {}
    }
    out
}
