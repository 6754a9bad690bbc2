//! REST request bodies, parsed leniently: the official SDKs send `message: null`, `user` or
//! `user_id`, member ids or member objects, sort as a list or a map (stream-protocol.md §8.16).

use crate::JsonMap;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `{"limit": n, "offset": n}` inside a channel query.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Page {
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub offset: Option<usize>,
}

/// What a channel query asks for besides the state: `watch` ties the caller's connection to the
/// channel, `presence` makes it follow the members' presence.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct StateFlags {
    #[serde(default)]
    pub state: bool,
    #[serde(default)]
    pub watch: bool,
    #[serde(default)]
    pub presence: bool,
}

/// `POST /channels/{type}/{id}/query` and `POST /channels/{type}/query`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueryChannelRequest {
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: JsonMap,
    #[serde(flatten)]
    pub flags: StateFlags,
    #[serde(default)]
    pub members: Option<Page>,
    #[serde(default)]
    pub watchers: Option<Page>,
    #[serde(default)]
    pub messages: Option<crate::message::MessagePage>,
}

/// One sort key of query channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub field: String,
    /// 1 ascending, -1 descending.
    pub direction: i32,
}

/// `POST /channels` (query channels).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueryChannelsRequest {
    #[serde(default, deserialize_with = "null_as_default")]
    pub filter_conditions: JsonMap,
    #[serde(default, deserialize_with = "sort_keys")]
    pub sort: Vec<SortKey>,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub offset: Option<usize>,
    #[serde(flatten)]
    pub flags: StateFlags,
    #[serde(default)]
    pub member_limit: Option<usize>,
    #[serde(default)]
    pub message_limit: Option<usize>,
    /// Server-side callers may query as a user.
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub user: Option<JsonMap>,
}

/// A member as given in `add_members` / `members`: an id, or an object with `user_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberInput {
    pub user_id: String,
    pub channel_role: Option<String>,
    pub custom: JsonMap,
}

impl MemberInput {
    /// Parses `"bob"` or `{"user_id":"bob","channel_role":"channel_moderator",…}` (or `{"user":{"id":"bob"}}`).
    pub fn parse(v: &Value) -> Option<MemberInput> {
        match v {
            Value::String(id) => Some(MemberInput { user_id: id.clone(), channel_role: None, custom: JsonMap::new() }),
            Value::Object(obj) => {
                let user_id = obj.get("user_id").and_then(Value::as_str).or_else(|| obj.get("user")?.get("id")?.as_str())?.to_owned();
                let channel_role = obj.get("channel_role").and_then(Value::as_str).map(str::to_owned);
                let mut custom = obj.clone();
                for k in ["user_id", "user", "channel_role", "role", "created_at", "updated_at", "banned", "shadow_banned"] {
                    custom.remove(k);
                }
                Some(MemberInput { user_id, channel_role, custom })
            }
            _ => None,
        }
    }

    pub fn parse_list(values: &[Value]) -> Result<Vec<MemberInput>, String> {
        values
            .iter()
            .map(|v| MemberInput::parse(v).ok_or_else(|| format!("invalid member {v}: expected a user id or an object with user_id")))
            .collect()
    }
}

/// `POST /channels/{type}/{id}` (update: members, moderators, data).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateChannelRequest {
    #[serde(default, deserialize_with = "null_as_default")]
    pub add_members: Vec<Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub remove_members: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub add_moderators: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub demote_moderators: Vec<String>,
    /// Users to invite (ids or member objects): members with `invited`, pending a response.
    #[serde(default, deserialize_with = "null_as_default")]
    pub invites: Vec<Value>,
    #[serde(default)]
    pub accept_invite: Option<bool>,
    #[serde(default)]
    pub reject_invite: Option<bool>,
    #[serde(default)]
    pub data: Option<JsonMap>,
    #[serde(default)]
    pub message: Option<Value>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub user: Option<JsonMap>,
}

/// `PATCH /channels/{type}/{id}` (partial update of custom data).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PartialUpdateChannelRequest {
    #[serde(default, deserialize_with = "null_as_default")]
    pub set: JsonMap,
    #[serde(default, deserialize_with = "null_as_default")]
    pub unset: Vec<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub user: Option<JsonMap>,
}

/// `{"event": {...}}` of the event endpoints.
#[derive(Debug, Clone, Deserialize)]
pub struct SendEventRequest {
    pub event: JsonMap,
}

/// `PATCH /users`: `{"users":[{"id":…,"set":{…},"unset":[…]}]}`.
#[derive(Debug, Clone, Deserialize)]
pub struct PartialUpdateUsersRequest {
    pub users: Vec<PartialUserUpdate>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PartialUpdateUser {
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub set: JsonMap,
    #[serde(default, deserialize_with = "null_as_default")]
    pub unset: Vec<String>,
}
pub type PartialUserUpdate = PartialUpdateUser;

/// `POST /channels/delete`.
#[derive(Debug, Clone, Deserialize)]
pub struct DeleteChannelsRequest {
    pub cids: Vec<String>,
    #[serde(default)]
    pub hard_delete: bool,
}

/// The acting user a server-side body names: `user_id`, or `user.id`.
pub fn named_user_id(user_id: &Option<String>, user: &Option<JsonMap>) -> Option<String> {
    user_id.clone().filter(|s| !s.is_empty()).or_else(|| user.as_ref()?.get("id")?.as_str().map(str::to_owned))
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn sort_keys<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SortKey>, D::Error> {
    let v = Option::<Value>::deserialize(d)?.unwrap_or(Value::Null);
    let dir = |v: Option<&Value>| if v.and_then(Value::as_i64).unwrap_or(1) < 0 { -1 } else { 1 };
    Ok(match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|item| Some(SortKey { field: item.get("field")?.as_str()?.to_owned(), direction: dir(item.get("direction")) }))
            .collect(),
        Value::Object(map) => map.iter().map(|(k, v)| SortKey { field: k.clone(), direction: dir(Some(v)) }).collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_as_ids_or_objects() {
        let list = MemberInput::parse_list(&[
            json!("a"),
            json!({"user_id":"b","channel_role":"channel_moderator","x":1}),
            json!({"user":{"id":"c"}}),
        ])
        .unwrap();
        assert_eq!(list[0].user_id, "a");
        assert_eq!(list[1].channel_role.as_deref(), Some("channel_moderator"));
        assert_eq!(list[1].custom["x"], 1);
        assert_eq!(list[2].user_id, "c");
        assert!(MemberInput::parse_list(&[json!(3)]).is_err());
    }

    #[test]
    fn lenient_bodies() {
        let r: UpdateChannelRequest = serde_json::from_value(json!({"add_members":["a"],"message":null,"remove_members":null})).unwrap();
        assert_eq!(r.add_members.len(), 1);
        assert!(r.message.is_none());
        let q: QueryChannelsRequest =
            serde_json::from_value(json!({"filter_conditions":null,"sort":[{"field":"created_at","direction":-1}]})).unwrap();
        assert_eq!(q.sort, vec![SortKey { field: "created_at".into(), direction: -1 }]);
        let q: QueryChannelsRequest = serde_json::from_value(json!({"sort":{"cid":1}})).unwrap();
        assert_eq!(q.sort, vec![SortKey { field: "cid".into(), direction: 1 }]);
    }
}
