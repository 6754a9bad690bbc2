//! Channel types, channels and members as herald stores them, and channel id rules.

use crate::JsonMap;
use serde::{Deserialize, Serialize};

/// Who may read a channel of a type: watch it, query it, send custom events to it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReadAccess {
    /// Members only (and admins, and server-side calls).
    #[default]
    Members,
    /// Any authenticated user (livestream).
    Anyone,
}

/// A channel type's configuration (Stream's `ChannelConfig`). Unknown settings round-trip in `extra`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChannelTypeConfig {
    pub name: String,
    #[serde(default = "yes")]
    pub typing_events: bool,
    #[serde(default = "yes")]
    pub read_events: bool,
    #[serde(default = "yes")]
    pub connect_events: bool,
    #[serde(default = "yes")]
    pub custom_events: bool,
    #[serde(default = "yes")]
    pub reactions: bool,
    #[serde(default = "yes")]
    pub replies: bool,
    #[serde(default = "yes")]
    pub quotes: bool,
    #[serde(default = "yes")]
    pub search: bool,
    #[serde(default = "yes")]
    pub mutes: bool,
    #[serde(default = "yes")]
    pub uploads: bool,
    #[serde(default = "yes")]
    pub url_enrichment: bool,
    #[serde(default)]
    pub push_notifications: bool,
    /// Always false: herald does not implement `POST /channels/delivered` (a `true` makes the JS client call it).
    #[serde(default)]
    pub delivery_events: bool,
    #[serde(default = "infinite")]
    pub message_retention: String,
    #[serde(default = "max_len")]
    pub max_message_length: u32,
    #[serde(default = "disabled")]
    pub automod: String,
    #[serde(default = "flag")]
    pub automod_behavior: String,
    #[serde(default)]
    pub commands: Vec<serde_json::Value>,
    /// herald: who may read channels of this type.
    #[serde(default)]
    pub read_access: ReadAccess,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    #[serde(flatten)]
    pub extra: JsonMap,
}

fn yes() -> bool {
    true
}
fn infinite() -> String {
    "infinite".into()
}
fn max_len() -> u32 {
    5000
}
fn disabled() -> String {
    "disabled".into()
}
fn flag() -> String {
    "flag".into()
}

/// Settings of a type that callers may change (everything but name and timestamps).
pub const TYPE_FLAGS: &[&str] = &[
    "typing_events",
    "read_events",
    "connect_events",
    "custom_events",
    "reactions",
    "replies",
    "quotes",
    "search",
    "mutes",
    "uploads",
    "url_enrichment",
    "push_notifications",
];

impl ChannelTypeConfig {
    /// A type with every default and the given name.
    pub fn named(name: &str, now: &str) -> ChannelTypeConfig {
        let mut obj = JsonMap::new();
        obj.insert("name".into(), name.into());
        let mut cfg: ChannelTypeConfig = serde_json::from_value(serde_json::Value::Object(obj)).expect("defaults deserialize");
        cfg.created_at = now.to_owned();
        cfg.updated_at = now.to_owned();
        cfg
    }

    /// The five types every app starts with, plus `conversation` (Vonage-style conversations:
    /// members only, no typing). livestream is readable by anyone.
    pub fn built_ins(now: &str) -> Vec<ChannelTypeConfig> {
        let names = ["messaging", "livestream", "team", "gaming", "commerce", crate::conversation::CONVERSATION_TYPE];
        let mut types: Vec<ChannelTypeConfig> = names.iter().map(|n| ChannelTypeConfig::named(n, now)).collect();
        for t in &mut types {
            match t.name.as_str() {
                "livestream" => {
                    t.read_access = ReadAccess::Anyone;
                    t.typing_events = false;
                    t.read_events = false;
                    t.connect_events = false;
                    t.mutes = false;
                }
                "gaming" => {
                    t.typing_events = false;
                    t.read_events = false;
                }
                "commerce" => {
                    t.replies = false;
                }
                crate::conversation::CONVERSATION_TYPE => {
                    t.typing_events = false;
                }
                _ => {}
            }
        }
        types
    }

    /// Applies a create/update body: known flags and `read_access` are typed, the rest kept in `extra`.
    pub fn apply(&mut self, body: &JsonMap) -> Result<(), String> {
        let mut merged = serde_json::to_value(&*self).map_err(|e| e.to_string())?;
        let obj = merged.as_object_mut().expect("config is an object");
        for (k, v) in body {
            if matches!(k.as_str(), "name" | "created_at" | "updated_at" | "delivery_events") {
                continue;
            }
            if TYPE_FLAGS.contains(&k.as_str()) && !v.is_boolean() {
                return Err(format!("{k} must be a boolean"));
            }
            obj.insert(k.clone(), v.clone());
        }
        let updated: ChannelTypeConfig = serde_json::from_value(merged).map_err(|e| e.to_string())?;
        *self = updated;
        Ok(())
    }
}

/// A stored channel. Members live beside it (see the Store).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChannelRecord {
    pub cid: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    #[serde(default)]
    pub created_by_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub frozen: bool,
    #[serde(default)]
    pub disabled: bool,
    /// When the history was last truncated (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated_at: Option<String>,
    /// Custom data (flattened into `channel` on the wire).
    #[serde(default)]
    pub custom: JsonMap,
}

/// Fields of a channel's `data` that are not custom data.
pub const CHANNEL_MANAGED_FIELDS: &[&str] = &[
    "id",
    "type",
    "cid",
    "created_by",
    "created_by_id",
    "created_at",
    "updated_at",
    "deleted_at",
    "truncated_at",
    "members",
    "member_count",
    "config",
    "own_capabilities",
    "frozen",
    "disabled",
    "last_message_at",
    "team",
    "invites",
];

/// A stored channel member.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MemberRecord {
    pub user_id: String,
    pub channel_role: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub banned: bool,
    #[serde(default)]
    pub shadow_banned: bool,
    #[serde(default)]
    pub notifications_muted: bool,
    /// Invited (not added): pending until accepted or rejected.
    #[serde(default)]
    pub invited: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_accepted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_rejected_at: Option<String>,
    #[serde(default)]
    pub custom: JsonMap,
}

pub const ROLE_MEMBER: &str = "channel_member";
pub const ROLE_MODERATOR: &str = "channel_moderator";

/// Channel type names: `^[\w-]+$`; ids: `^[\w!-]+$` (JS channel.ts), both at most 64 chars.
pub fn valid_type_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= crate::limits::MAX_CHANNEL_ID_CHARS
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

pub fn valid_channel_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= crate::limits::MAX_CHANNEL_ID_CHARS
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '!')
}

/// Splits `"type:id"`, checking both halves.
pub fn parse_cid(cid: &str) -> Option<(&str, &str)> {
    let (kind, id) = cid.split_once(':')?;
    (valid_type_name(kind) && valid_channel_id(id)).then_some((kind, id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cids() {
        assert_eq!(parse_cid("messaging:room-1"), Some(("messaging", "room-1")));
        assert_eq!(parse_cid("messaging:!members-abc"), Some(("messaging", "!members-abc")));
        assert_eq!(parse_cid("messaging"), None);
        assert_eq!(parse_cid("mess aging:x"), None);
        assert_eq!(parse_cid("messaging:a:b"), None);
    }

    #[test]
    fn built_ins_and_livestream_access() {
        let types = ChannelTypeConfig::built_ins("t");
        let names: Vec<_> = types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["messaging", "livestream", "team", "gaming", "commerce", "conversation"]);
        assert_eq!(types[1].read_access, ReadAccess::Anyone);
        assert_eq!(types[0].read_access, ReadAccess::Members);
        assert_eq!(types[5].read_access, ReadAccess::Members);
        assert!(types.iter().all(|t| t.custom_events && !t.delivery_events));
    }

    #[test]
    fn apply_flags_and_extras() {
        let mut t = ChannelTypeConfig::named("x", "t");
        t.apply(json!({"custom_events": false, "read_access": "anyone", "grants": {"user": []}}).as_object().unwrap()).unwrap();
        assert!(!t.custom_events);
        assert_eq!(t.read_access, ReadAccess::Anyone);
        assert!(t.extra.contains_key("grants"));
        assert!(t.apply(json!({"typing_events": "yes"}).as_object().unwrap()).is_err());
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["delivery_events"], false);
    }
}
