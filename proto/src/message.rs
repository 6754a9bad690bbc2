//! Messages and reactions as herald stores them, the request bodies that create and change them,
//! and their input rules (Stream's `MessageRequest`, `ReactionRequest`).
//!
//! A message keeps its reactions inside its record, so a message and its reaction counts always
//! change together in one atomic store write; `reaction_counts`, `reaction_scores`,
//! `reaction_groups`, `latest_reactions` and `own_reactions` are derived from them when rendered.

use crate::JsonMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A message's `type` while it exists.
pub const TYPE_REGULAR: &str = "regular";
/// A soft-deleted message's `type`.
pub const TYPE_DELETED: &str = "deleted";

/// Longest message id and reaction type accepted.
pub const MAX_ID_CHARS: usize = 255;
/// Reactions listed in a message's `latest_reactions`.
pub const LATEST_REACTIONS: usize = 10;
/// Messages a channel query returns unless it asks (`messages.limit`): what the JS client
/// assumes when it does not say (DEFAULT_QUERY_CHANNEL_MESSAGE_LIST_PAGE_SIZE).
pub const CHANNEL_MESSAGES_DEFAULT_LIMIT: usize = 100;
/// Messages per channel in query channels unless `message_limit` says otherwise.
pub const QUERY_CHANNELS_MESSAGES_DEFAULT_LIMIT: usize = 25;
/// Most messages one page returns.
pub const MESSAGES_MAX_LIMIT: usize = 300;
/// `GET /messages/{id}/reactions`: default and largest page.
pub const REACTIONS_DEFAULT_LIMIT: usize = 10;
pub const REACTIONS_MAX_LIMIT: usize = 300;

/// Fields of a message herald manages: never custom data, never settable by `set`/`unset`.
pub const MESSAGE_MANAGED_FIELDS: &[&str] = &[
    "id",
    "cid",
    "type",
    "user",
    "user_id",
    "created_at",
    "updated_at",
    "deleted_at",
    "html",
    "command",
    "reaction_counts",
    "reaction_scores",
    "reaction_groups",
    "latest_reactions",
    "own_reactions",
    "reply_count",
    "deleted_reply_count",
    "thread_participants",
    "channel",
    "status",
    "shadowed",
    "i18n",
    "quoted_message",
    "pinned_at",
    "pinned_by",
    "pin_expires",
];

/// Fields herald does not support yet; a message that sets them is refused rather than
/// silently stored without their meaning.
pub const MESSAGE_UNSUPPORTED_FIELDS: &[&str] = &["parent_id", "show_in_channel", "quoted_message_id", "pinned", "poll_id"];

/// A stored reaction: one per (user, type) on a message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReactionRecord {
    pub user_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub score: u32,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub custom: JsonMap,
}

/// A stored message with its reactions (oldest first).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MessageRecord {
    pub id: String,
    pub cid: String,
    /// `regular` or `deleted`.
    #[serde(rename = "type")]
    pub kind: String,
    pub user_id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<Value>,
    /// User ids (rendered as user objects).
    #[serde(default)]
    pub mentioned_users: Vec<String>,
    #[serde(default)]
    pub silent: bool,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub deleted_at: Option<String>,
    #[serde(default)]
    pub reactions: Vec<ReactionRecord>,
    /// Custom fields (flattened on the wire).
    #[serde(default)]
    pub custom: JsonMap,
}

impl MessageRecord {
    pub fn is_deleted(&self) -> bool {
        self.kind == TYPE_DELETED
    }

    /// A new message of `kind` by `user_id`, created at `now`, with the text, attachments,
    /// `silent` and custom data of `input`; no mentions and no reactions yet.
    pub fn posted(id: String, cid: &str, kind: &str, user_id: &str, now: &str, input: MessageInput) -> MessageRecord {
        MessageRecord {
            id,
            cid: cid.to_owned(),
            kind: kind.to_owned(),
            user_id: user_id.to_owned(),
            text: input.text.unwrap_or_default(),
            attachments: input.attachments.unwrap_or_default(),
            mentioned_users: Vec::new(),
            silent: input.silent.unwrap_or(false),
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            deleted_at: None,
            reactions: Vec::new(),
            custom: input.custom,
        }
    }
}

/// The parts of a message a caller may set: from `{"message": {…}}`, an update, or `set`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageInput {
    pub id: Option<String>,
    pub text: Option<String>,
    pub attachments: Option<Vec<Value>>,
    pub mentioned_users: Option<Vec<String>>,
    pub silent: Option<bool>,
    /// The acting user a server-side body names (`user_id` or `user.id`).
    pub user_id: Option<String>,
    pub custom: JsonMap,
}

impl MessageInput {
    /// Splits a message object into its typed fields and custom data; a field of the wrong type
    /// or one herald does not support is an error naming it.
    pub fn parse(obj: &JsonMap) -> Result<MessageInput, String> {
        let mut input = MessageInput::default();
        for (key, value) in obj {
            if value.is_null() && key != "text" {
                continue;
            }
            match key.as_str() {
                "id" => input.id = Some(string_field(key, value)?),
                "text" => input.text = Some(if value.is_null() { String::new() } else { string_field(key, value)? }),
                "attachments" => match value {
                    Value::Array(items) if items.iter().all(Value::is_object) => input.attachments = Some(items.clone()),
                    _ => return Err("message.attachments must be a list of objects".into()),
                },
                "mentioned_users" => input.mentioned_users = Some(mentioned_ids(value)?),
                "silent" => input.silent = Some(value.as_bool().ok_or("message.silent must be a boolean")?),
                "user_id" => input.user_id = Some(string_field(key, value)?),
                "user" => input.user_id = value.get("id").and_then(Value::as_str).map(str::to_owned).or(input.user_id),
                // the JS client sends `pinned: false` with every update: only a value that asks
                // for the feature is refused
                k if MESSAGE_UNSUPPORTED_FIELDS.contains(&k) && matches!(value, Value::Bool(false)) => {}
                k if MESSAGE_UNSUPPORTED_FIELDS.contains(&k) && value.as_str() == Some("") => {}
                k if MESSAGE_UNSUPPORTED_FIELDS.contains(&k) => {
                    return Err(format!("message.{k} is not supported by herald yet (threads, quotes, pins and polls)"))
                }
                k if MESSAGE_MANAGED_FIELDS.contains(&k) => {}
                _ => {
                    input.custom.insert(key.clone(), value.clone());
                }
            }
        }
        Ok(input)
    }
}

fn string_field(key: &str, value: &Value) -> Result<String, String> {
    value.as_str().map(str::to_owned).ok_or_else(|| format!("message.{key} must be a string"))
}

/// `["bob"]` or `[{"id":"bob"}]` → ids.
fn mentioned_ids(value: &Value) -> Result<Vec<String>, String> {
    let bad = || "message.mentioned_users must be a list of user ids".to_string();
    let Value::Array(items) = value else { return Err(bad()) };
    items.iter().map(|v| v.as_str().or_else(|| v.get("id")?.as_str()).map(str::to_owned).ok_or_else(bad)).collect()
}

/// Message ids and reaction types: 1–255 characters, no whitespace or `/` (they travel in paths).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.chars().count() <= MAX_ID_CHARS && !id.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/')
}

/// Where a page of a channel's messages starts (`messages: {limit, id_lt | id_gt}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageCursor<'a> {
    /// The newest messages.
    Latest,
    /// The messages just before this one.
    Before(&'a str),
    /// The messages just after this one.
    After(&'a str),
}

/// `messages` of a channel query: `{"limit": n, "id_lt": "…"}` or `id_gt`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessagePage {
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub id_lt: Option<String>,
    #[serde(default)]
    pub id_gt: Option<String>,
}

impl MessagePage {
    pub fn cursor(&self) -> MessageCursor<'_> {
        match (&self.id_lt, &self.id_gt) {
            (Some(id), _) => MessageCursor::Before(id),
            (None, Some(id)) => MessageCursor::After(id),
            (None, None) => MessageCursor::Latest,
        }
    }
}

/// `POST /channels/{type}/{id}/message` and `POST /messages/{id}`: `{"message": {…}}` plus options.
#[derive(Debug, Clone, Deserialize)]
pub struct MessageRequest {
    #[serde(default)]
    pub message: Option<JsonMap>,
    #[serde(default)]
    pub skip_push: Option<bool>,
}

impl MessageRequest {
    /// The message object, or the error naming it.
    pub fn message(&self) -> Result<&JsonMap, String> {
        self.message.as_ref().ok_or_else(|| "message is a required object".to_owned())
    }
}

/// `PUT /messages/{id}`: `{"set": {…}, "unset": […], "user": {…}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PartialMessageRequest {
    #[serde(default)]
    pub set: Option<JsonMap>,
    #[serde(default)]
    pub unset: Option<Vec<String>>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub user: Option<JsonMap>,
}

/// `POST /messages/{id}/reaction`: `{"reaction": {"type", "score"?, "user_id"?, …}, "enforce_unique"?}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ReactionRequest {
    #[serde(default)]
    pub reaction: Option<JsonMap>,
    #[serde(default)]
    pub enforce_unique: Option<bool>,
    #[serde(default)]
    pub skip_push: Option<bool>,
}

/// A reaction as a caller sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReactionInput {
    pub kind: String,
    pub score: u32,
    pub user_id: Option<String>,
    pub custom: JsonMap,
}

/// Fields of a reaction that are never custom data.
const REACTION_MANAGED_FIELDS: &[&str] = &["type", "score", "user", "user_id", "message_id", "created_at", "updated_at"];

impl ReactionInput {
    pub fn parse(obj: &JsonMap) -> Result<ReactionInput, String> {
        let kind = match obj.get("type") {
            Some(Value::String(t)) if valid_id(t) => t.clone(),
            Some(Value::String(_)) => return Err("reaction.type must be 1 to 255 characters without spaces or '/'".into()),
            _ => return Err("reaction.type is a required string".into()),
        };
        let score = match obj.get("score") {
            None | Some(Value::Null) => 1,
            Some(v) => v.as_u64().and_then(|s| u32::try_from(s).ok()).ok_or("reaction.score must be a whole number from 0")?,
        };
        let user_id = obj
            .get("user_id")
            .and_then(Value::as_str)
            .or_else(|| obj.get("user")?.get("id")?.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let mut custom = obj.clone();
        custom.retain(|k, _| !REACTION_MANAGED_FIELDS.contains(&k.as_str()));
        Ok(ReactionInput { kind, score, user_id, custom })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> JsonMap {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn message_input_splits_custom_fields() {
        let m = MessageInput::parse(&obj(json!({
            "id": "m1", "text": "hi", "user": {"id": "alice"}, "mentioned_users": ["bob", {"id": "carol"}],
            "attachments": [{"type": "image"}], "color": "red", "reaction_counts": {"x": 9}, "cid": "forged"
        })))
        .unwrap();
        assert_eq!(m.id.as_deref(), Some("m1"));
        assert_eq!(m.user_id.as_deref(), Some("alice"));
        assert_eq!(m.mentioned_users, Some(vec!["bob".to_string(), "carol".to_string()]));
        assert_eq!(m.custom, obj(json!({"color": "red"})));
    }

    #[test]
    fn message_input_refuses_bad_types_and_unsupported_fields() {
        assert!(MessageInput::parse(&obj(json!({"text": 3}))).is_err());
        assert!(MessageInput::parse(&obj(json!({"attachments": "x"}))).is_err());
        assert!(MessageInput::parse(&obj(json!({"mentioned_users": [1]}))).is_err());
        let err = MessageInput::parse(&obj(json!({"text": "x", "parent_id": "p"}))).unwrap_err();
        assert!(err.contains("parent_id"), "{err}");
        assert!(MessageInput::parse(&obj(json!({"text": "x", "pinned": false, "parent_id": null}))).is_ok());
    }

    #[test]
    fn reaction_input() {
        let r = ReactionInput::parse(&obj(json!({"type": "like", "user_id": "a", "emoji": ":)"}))).unwrap();
        assert_eq!((r.kind.as_str(), r.score, r.user_id.as_deref()), ("like", 1, Some("a")));
        assert_eq!(r.custom, obj(json!({"emoji": ":)"})));
        assert_eq!(ReactionInput::parse(&obj(json!({"type": "up", "score": 5}))).unwrap().score, 5);
        assert!(ReactionInput::parse(&obj(json!({"score": 1}))).is_err());
        assert!(ReactionInput::parse(&obj(json!({"type": "a b"}))).is_err());
        assert!(ReactionInput::parse(&obj(json!({"type": "x", "score": -1}))).is_err());
    }

    #[test]
    fn ids_and_cursors() {
        assert!(valid_id("alice-3f2a") && valid_id("ünï"));
        assert!(!valid_id("") && !valid_id("a/b") && !valid_id("a b") && !valid_id(&"x".repeat(256)));
        let p: MessagePage = serde_json::from_value(json!({"limit": 5, "id_lt": "m9"})).unwrap();
        assert_eq!(p.cursor(), MessageCursor::Before("m9"));
        assert_eq!(MessagePage::default().cursor(), MessageCursor::Latest);
    }
}
