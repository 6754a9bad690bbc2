//! JSON shapes herald returns and publishes: users, `me`, members, channels, channel state and
//! the common fields of channel events (stream-protocol.md §3.3, §5.1, §7).

use super::access::Access;
use crate::clock;
use herald_proto::channel::{ChannelRecord, ChannelTypeConfig, MemberRecord};
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A user as the protocol shows it (`UserResponse`).
pub fn user_json(user: &User) -> Value {
    serde_json::to_value(user).unwrap_or(Value::Null)
}

/// The `me` of the handshake: complete, with the arrays the JS client dereferences.
pub fn me_json(user: &User) -> Value {
    me_json_with(user, &JsonMap::new())
}

/// `me` with the user's own numbers and lists (unread counts, channel mutes) over the defaults.
pub fn me_json_with(user: &User, own: &JsonMap) -> Value {
    let mut me = user_json(user);
    if let Value::Object(obj) = &mut me {
        let extra = json!({
            "online": true,
            "devices": [], "mutes": [], "channel_mutes": [], "blocked_user_ids": [],
            "unread_count": 0, "total_unread_count": 0, "unread_channels": 0, "unread_threads": 0,
            "language": user.custom.get("language").cloned().unwrap_or(Value::from("")),
            "privacy_settings": {
                "typing_indicators": {"enabled": true},
                "read_receipts": {"enabled": true},
                "delivery_receipts": {"enabled": true},
            },
        });
        if let Value::Object(extra) = extra {
            obj.extend(extra);
        }
        obj.extend(own.clone());
    }
    me
}

/// A member with its user (`ChannelMember`).
pub fn member_json(member: &MemberRecord, user: Option<&User>) -> Value {
    let mut obj = member.custom.clone();
    obj.insert("user_id".into(), member.user_id.clone().into());
    obj.insert("user".into(), user.map(user_json).unwrap_or_else(|| json!({"id": member.user_id})));
    obj.insert("channel_role".into(), member.channel_role.clone().into());
    let role = if member.channel_role == herald_proto::channel::ROLE_MODERATOR { "moderator" } else { "member" };
    obj.insert("role".into(), role.into());
    obj.insert("created_at".into(), member.created_at.clone().into());
    obj.insert("updated_at".into(), member.updated_at.clone().into());
    obj.insert("banned".into(), member.banned.into());
    obj.insert("shadow_banned".into(), member.shadow_banned.into());
    obj.insert("notifications_muted".into(), member.notifications_muted.into());
    if member.invited {
        obj.insert("invited".into(), true.into());
    }
    for (key, at) in [("invite_accepted_at", &member.invite_accepted_at), ("invite_rejected_at", &member.invite_rejected_at)] {
        if let Some(at) = at {
            obj.insert(key.into(), at.clone().into());
        }
    }
    Value::Object(obj)
}

/// A channel (`ChannelResponse`), custom data flattened.
pub fn channel_json(access: &Access<'_>, member_count: usize, created_by: Option<&User>) -> Value {
    let ch = access.channel;
    let mut obj = ch.custom.clone();
    obj.insert("id".into(), ch.id.clone().into());
    obj.insert("type".into(), ch.kind.clone().into());
    obj.insert("cid".into(), ch.cid.clone().into());
    obj.insert("created_at".into(), ch.created_at.clone().into());
    obj.insert("updated_at".into(), ch.updated_at.clone().into());
    if let Some(creator) = &ch.created_by_id {
        obj.insert("created_by".into(), created_by.map(user_json).unwrap_or_else(|| json!({"id": creator})));
    }
    obj.insert("frozen".into(), ch.frozen.into());
    obj.insert("disabled".into(), ch.disabled.into());
    obj.insert("hidden".into(), false.into());
    if let Some(at) = &ch.truncated_at {
        obj.insert("truncated_at".into(), at.clone().into());
    }
    obj.insert("member_count".into(), member_count.into());
    obj.insert("config".into(), config_json(access.config));
    obj.insert("own_capabilities".into(), access.capabilities().into());
    Value::Object(obj)
}

/// A channel type's config as channels carry it.
pub fn config_json(config: &ChannelTypeConfig) -> Value {
    serde_json::to_value(config).unwrap_or(Value::Null)
}

/// Everything needed to render a channel state.
pub struct StateParts<'a> {
    pub access: Access<'a>,
    pub members: &'a [MemberRecord],
    pub users: &'a HashMap<String, User>,
    pub watcher_count: usize,
    pub watchers: &'a [String],
    pub member_limit: usize,
    /// The page of messages, rendered for the caller (oldest first).
    pub messages: Vec<Value>,
    /// The members' read states (any order; a member without one never read).
    pub reads: &'a [herald_proto::read::ReadState],
}

/// `ChannelStateResponse`: channel, members, messages, read, watchers, membership.
pub fn channel_state_json(parts: StateParts<'_>) -> JsonMap {
    let created_by = parts.access.channel.created_by_id.as_ref().and_then(|id| parts.users.get(id));
    let members: Vec<Value> = parts.members.iter().take(parts.member_limit).map(|m| member_json(m, parts.users.get(&m.user_id))).collect();
    let read: Vec<Value> = parts
        .members
        .iter()
        .take(parts.member_limit)
        .map(|m| {
            let user = parts.users.get(&m.user_id).map(user_json).unwrap_or_else(|| json!({"id": m.user_id}));
            match parts.reads.iter().find(|r| r.user_id == m.user_id) {
                Some(r) => json!({
                    "user": user, "last_read": r.last_read, "unread_messages": r.unread_messages,
                    "last_read_message_id": r.last_read_message_id,
                }),
                None => json!({"user": user, "last_read": clock::NEVER, "unread_messages": 0}),
            }
        })
        .collect();
    let watchers: Vec<Value> =
        parts.watchers.iter().map(|id| parts.users.get(id).map(user_json).unwrap_or_else(|| json!({"id": id}))).collect();
    let membership = parts.access.member.map(|m| member_json(m, parts.access.user)).unwrap_or(Value::Null);
    let mut obj = JsonMap::new();
    obj.insert("channel".into(), channel_json(&parts.access, parts.members.len(), created_by));
    obj.insert("members".into(), members.into());
    obj.insert("messages".into(), parts.messages.into());
    obj.insert("pinned_messages".into(), json!([]));
    obj.insert("threads".into(), json!([]));
    obj.insert("read".into(), read.into());
    obj.insert("watcher_count".into(), parts.watcher_count.into());
    obj.insert("watchers".into(), watchers.into());
    obj.insert("membership".into(), membership);
    obj
}

/// The fields every channel event carries: `type`, `cid`, `channel_id`, `channel_type`, `created_at`.
pub fn channel_event(kind: &str, channel: &ChannelRecord) -> JsonMap {
    let mut event = JsonMap::new();
    event.insert("type".into(), kind.into());
    event.insert("cid".into(), channel.cid.clone().into());
    event.insert("channel_id".into(), channel.id.clone().into());
    event.insert("channel_type".into(), channel.kind.clone().into());
    event.insert("created_at".into(), clock::now().into());
    event
}

/// An event with only `type` and `created_at`.
pub fn bare_event(kind: &str) -> JsonMap {
    let mut event = JsonMap::new();
    event.insert("type".into(), kind.into());
    event.insert("created_at".into(), clock::now().into());
    event
}
