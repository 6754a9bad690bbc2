//! Channels: get-or-create (`query`), distinct channels, query channels, delete. Watching and
//! presence requested by a query are delegated to [`super::connections`].

use super::access::Access;
use super::users::match_values;
use super::views::{channel_event, channel_json, channel_state_json, StateParts};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::api::{named_user_id, MemberInput, QueryChannelRequest, QueryChannelsRequest, SortKey};
use herald_proto::channel::{parse_cid, valid_channel_id, ChannelRecord, ChannelTypeConfig, MemberRecord, CHANNEL_MANAGED_FIELDS};
use herald_proto::limits::{QUERY_CHANNELS_DEFAULT_LIMIT, QUERY_CHANNELS_MAX_LIMIT};
use herald_proto::message::{MessageCursor, CHANNEL_MESSAGES_DEFAULT_LIMIT, QUERY_CHANNELS_MESSAGES_DEFAULT_LIMIT};
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};

/// Most members (and watchers) a channel state lists unless the query asks for fewer.
pub const STATE_MEMBER_LIMIT: usize = 100;

/// A channel with its type's configuration.
pub struct Loaded {
    pub channel: ChannelRecord,
    pub config: ChannelTypeConfig,
}

/// What [`Chat::standing`] found.
pub(crate) struct Standing {
    pub loaded: Loaded,
    pub acting: Option<User>,
    pub member: Option<MemberRecord>,
    server: bool,
}

impl Standing {
    pub fn access(&self) -> Access<'_> {
        Access {
            config: &self.loaded.config,
            channel: &self.loaded.channel,
            user: self.acting.as_ref(),
            member: self.member.as_ref(),
            server: self.server,
        }
    }
}

/// How much of a channel a state lists: members, and which page of messages.
#[derive(Debug, Clone, Copy)]
struct StatePage<'a> {
    member_limit: usize,
    messages: MessageCursor<'a>,
    message_limit: usize,
}

/// How a channel query should treat the caller's connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subscribe<'a> {
    pub watch: bool,
    pub presence: bool,
    pub conn: Option<&'a str>,
}

impl Chat {
    /// Loads a channel and its type: 400 for a malformed cid, 404 when either does not exist.
    pub async fn load_channel(&self, cid: &str) -> ChatResult<Loaded> {
        let (kind, _) = parse_cid(cid).ok_or_else(|| ChatError::input(format!("cid {cid:?} is not of the form type:id")))?;
        let channel =
            self.store().get_channel(cid).await?.ok_or_else(|| ChatError::not_found(format!("channel {cid:?} does not exist")))?;
        let config = self.channel_type(kind).await?;
        Ok(Loaded { channel, config })
    }

    /// The acting user: the token's user, or for a server call the user the body names (if any).
    pub async fn acting_user(&self, caller: &Caller, named: Option<String>) -> ChatResult<Option<User>> {
        match caller {
            Caller::User(id) => {
                let user = self.ensure_user(id).await?;
                if user.deactivated_at.is_some() || user.deleted_at.is_some() {
                    return Err(ChatError::forbidden(format!("user {id:?} is deactivated or deleted")));
                }
                Ok(Some(user))
            }
            Caller::Server => match named {
                Some(id) => Ok(Some(self.ensure_user(&id).await?)),
                None => Ok(None),
            },
        }
    }

    /// A channel as `caller` stands to it: the channel, the acting user and their membership.
    pub(crate) async fn standing(&self, caller: &Caller, cid: &str, named: Option<String>) -> ChatResult<Standing> {
        let loaded = self.load_channel(cid).await?;
        let acting = self.acting_user(caller, named).await?;
        let member = self.membership(cid, acting.as_ref()).await?;
        Ok(Standing { loaded, acting, member, server: caller.is_server() })
    }

    pub(crate) async fn membership(&self, cid: &str, user: Option<&User>) -> ChatResult<Option<MemberRecord>> {
        match user {
            Some(u) => Ok(self.store().get_member(cid, &u.id).await?),
            None => Ok(None),
        }
    }

    /// The `channel` object events carry: no per-user fields (events are encoded once).
    pub(crate) async fn channel_payload(&self, loaded: &Loaded) -> ChatResult<Value> {
        let count = self.store().member_count(&loaded.channel.cid).await?;
        let creator = match &loaded.channel.created_by_id {
            Some(id) => self.store().get_user(id).await?,
            None => None,
        };
        let access = Access { config: &loaded.config, channel: &loaded.channel, user: None, member: None, server: false };
        let mut json = channel_json(&access, count, creator.as_ref());
        if let Value::Object(obj) = &mut json {
            obj.remove("own_capabilities");
        }
        Ok(json)
    }

    /// `POST /channels/{type}/{id}/query` (or `/channels/{type}/query` with `id: None` for a
    /// distinct channel): get or create, then watch / follow presence, then the channel state.
    pub async fn query_channel(
        &self,
        caller: &Caller,
        kind: &str,
        id: Option<&str>,
        req: QueryChannelRequest,
        conn: Option<&str>,
    ) -> ChatResult<JsonMap> {
        let config = self.channel_type(kind).await?;
        let members = match req.data.get("members") {
            Some(Value::Array(list)) => MemberInput::parse_list(list).map_err(ChatError::input)?,
            Some(Value::Null) | None => Vec::new(),
            Some(_) => return Err(ChatError::input("data.members must be a list")),
        };
        let id = match id {
            Some(id) => id.to_owned(),
            None => distinct_id(&members)?,
        };
        if !valid_channel_id(&id) {
            return Err(ChatError::input(format!("channel id {id:?} must match ^[\\w!-]+$ (at most 64 characters)")));
        }
        let cid = format!("{kind}:{id}");
        let acting = self.acting_user(caller, None).await?;
        let channel = match self.store().get_channel(&cid).await? {
            Some(existing) => existing,
            None => self.create_channel(caller, acting.as_ref(), kind, &id, &req.data, members).await?,
        };
        let loaded = Loaded { channel, config };
        let sub = Subscribe { watch: req.flags.watch, presence: req.flags.presence, conn };
        let messages = req.messages.unwrap_or_default();
        let page = StatePage {
            member_limit: req.members.as_ref().and_then(|p| p.limit).unwrap_or(STATE_MEMBER_LIMIT),
            messages: messages.cursor(),
            message_limit: messages.limit.unwrap_or(CHANNEL_MESSAGES_DEFAULT_LIMIT),
        };
        self.channel_state(caller, acting.as_ref(), &loaded, sub, page, true).await
    }

    /// Creates a channel with its first members; publishes notification.added_to_channel to them.
    async fn create_channel(
        &self,
        caller: &Caller,
        acting: Option<&User>,
        kind: &str,
        id: &str,
        data: &JsonMap,
        members: Vec<MemberInput>,
    ) -> ChatResult<ChannelRecord> {
        let creator = match acting {
            Some(user) => user.id.clone(),
            None => {
                let named = data.get("created_by").and_then(|v| v.get("id")).and_then(Value::as_str).map(str::to_owned);
                let named = named.or_else(|| data.get("created_by_id").and_then(Value::as_str).map(str::to_owned));
                named.ok_or_else(|| {
                    ChatError::input("either data.created_by or data.created_by_id must be provided when using server side auth")
                })?
            }
        };
        if caller.is_server() {
            self.ensure_user(&creator).await?;
        }
        self.require_users(members.iter().map(|m| m.user_id.clone()).collect()).await?;
        let now = clock::now();
        let mut custom = data.clone();
        custom.retain(|k, _| !CHANNEL_MANAGED_FIELDS.contains(&k.as_str()));
        let record = ChannelRecord {
            cid: format!("{kind}:{id}"),
            kind: kind.to_owned(),
            id: id.to_owned(),
            created_by_id: Some(creator),
            created_at: now.clone(),
            updated_at: now.clone(),
            frozen: data.get("frozen").and_then(Value::as_bool).unwrap_or(false),
            disabled: false,
            truncated_at: None,
            custom,
        };
        let invites = super::member_updates::invites_of(data)?;
        let (channel, created) = self.store().create_channel(record).await?;
        if created && !members.is_empty() {
            self.add_members(&channel.cid, members).await?;
        }
        if created {
            self.announce_created(&channel).await?;
            if !invites.is_empty() {
                self.invite_members(&Loaded { channel: channel.clone(), config: self.channel_type(kind).await? }, invites).await?;
            }
        }
        Ok(channel)
    }

    /// 400 (code 4) naming the users that do not exist.
    pub(crate) async fn require_users(&self, mut ids: Vec<String>) -> ChatResult<HashMap<String, User>> {
        ids.sort();
        ids.dedup();
        let found: HashMap<String, User> = self.store().get_users(&ids).await?.into_iter().map(|u| (u.id.clone(), u)).collect();
        let missing: Vec<&String> = ids.iter().filter(|id| !found.contains_key(*id)).collect();
        if !missing.is_empty() {
            return Err(ChatError::input(format!("The following users are involved in channel but don't exist: {missing:?}")));
        }
        Ok(found)
    }

    /// Checks read access, applies watch/presence, renders the state for the caller.
    async fn channel_state(
        &self,
        caller: &Caller,
        acting: Option<&User>,
        loaded: &Loaded,
        sub: Subscribe<'_>,
        page: StatePage<'_>,
        enforce: bool,
    ) -> ChatResult<JsonMap> {
        let member_limit = page.member_limit;
        let cid = loaded.channel.cid.as_str();
        let member = self.membership(cid, acting).await?;
        let access =
            Access { config: &loaded.config, channel: &loaded.channel, user: acting, member: member.as_ref(), server: caller.is_server() };
        if enforce && !access.can_read() {
            return Err(read_denied(acting, &loaded.channel));
        }
        if sub.watch || sub.presence {
            let conn = sub.conn.ok_or_else(|| ChatError::from(crate::registry::RegistryError::UnknownConnection(String::new())))?;
            let owner = caller.user_id().map(std::sync::Arc::from);
            if sub.watch {
                self.watch(conn, owner.clone(), loaded).await?;
            }
            if sub.presence {
                self.follow_members(conn, owner, cid).await?;
            }
        }
        let members = self.store().get_members(cid).await?;
        let watcher_count = self.store().watcher_count(cid).await?;
        let watchers = self.store().watchers(cid, member_limit.min(STATE_MEMBER_LIMIT)).await?;
        let mut ids: Vec<String> = members.iter().take(member_limit).map(|m| m.user_id.clone()).chain(watchers.iter().cloned()).collect();
        ids.extend(loaded.channel.created_by_id.clone());
        ids.sort();
        ids.dedup();
        let users: HashMap<String, User> = self.store().get_users(&ids).await?.into_iter().map(|u| (u.id.clone(), u)).collect();
        let viewer = acting.map(|u| u.id.as_str());
        let messages = self.message_page(cid, page.messages, page.message_limit, viewer).await?;
        let messages = self.without_cleared(cid, viewer, messages).await?;
        let reads = self.store().channel_reads(cid).await?;
        let parts = StateParts {
            access,
            members: &members,
            users: &users,
            watcher_count,
            watchers: &watchers,
            member_limit,
            messages,
            reads: &reads,
        };
        Ok(channel_state_json(parts))
    }

    /// `POST /channels`: filter, sort, page; every result readable by the acting user.
    pub async fn query_channels(&self, caller: &Caller, req: QueryChannelsRequest, conn: Option<&str>) -> ChatResult<Vec<JsonMap>> {
        let acting = self.acting_user(caller, named_user_id(&req.user_id, &req.user)).await?;
        let mut filter = req.filter_conditions.clone();
        let hidden = self.hidden_filter(&mut filter, acting.as_ref()).await?;
        let filter = &filter;
        let mut candidates = self.filter_candidates(filter).await?;
        let mut matched = Vec::new();
        for channel in candidates.drain(..) {
            if hidden.excludes(&channel.cid) || !self.channel_matches(&channel, filter, acting.as_ref()).await? {
                continue;
            }
            let Some(config) = self.store().get_channel_type(&channel.kind).await? else { continue };
            let loaded = Loaded { channel, config };
            let member = self.membership(&loaded.channel.cid, acting.as_ref()).await?;
            let readable = Access {
                config: &loaded.config,
                channel: &loaded.channel,
                user: acting.as_ref(),
                member: member.as_ref(),
                server: caller.is_server() && acting.is_none(),
            }
            .can_read();
            if readable {
                matched.push(loaded);
            }
        }
        let mut counts = HashMap::new();
        if req.sort.iter().any(|k| k.field == "member_count") {
            for l in &matched {
                counts.insert(l.channel.cid.clone(), self.store().member_count(&l.channel.cid).await?);
            }
        }
        sort_channels(&mut matched, &req.sort, &counts);
        let limit = req.limit.unwrap_or(QUERY_CHANNELS_DEFAULT_LIMIT).min(QUERY_CHANNELS_MAX_LIMIT);
        let page = StatePage {
            member_limit: req.member_limit.unwrap_or(STATE_MEMBER_LIMIT),
            messages: MessageCursor::Latest,
            message_limit: req.message_limit.unwrap_or(QUERY_CHANNELS_MESSAGES_DEFAULT_LIMIT),
        };
        let sub = Subscribe { watch: req.flags.watch, presence: req.flags.presence, conn };
        let mut out = Vec::new();
        for loaded in matched.iter().skip(req.offset.unwrap_or(0)).take(limit) {
            let mut state = self.channel_state(caller, acting.as_ref(), loaded, sub, page, false).await?;
            hidden.mark(&loaded.channel.cid, &mut state);
            out.push(state);
        }
        Ok(out)
    }

    /// Narrows the scan with the cid or members condition when there is one.
    async fn filter_candidates(&self, filter: &JsonMap) -> ChatResult<Vec<ChannelRecord>> {
        let cids: Option<BTreeSet<String>> = if let Some(cond) = filter.get("cid") {
            let values = match_values(cond).ok_or_else(|| ChatError::input("filter on cid supports $eq, $in or a value"))?;
            Some(values.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        } else if let Some(users) = filter.get("members").and_then(members_condition) {
            let mut set = BTreeSet::new();
            for user in users {
                set.extend(self.store().channels_of_member(&user).await?);
            }
            Some(set)
        } else {
            None
        };
        match cids {
            None => Ok(self.store().list_channels().await?),
            Some(cids) => {
                let mut out = Vec::new();
                for cid in cids {
                    out.extend(self.store().get_channel(&cid).await?);
                }
                Ok(out)
            }
        }
    }

    async fn channel_matches(&self, channel: &ChannelRecord, filter: &JsonMap, acting: Option<&User>) -> ChatResult<bool> {
        for (field, cond) in filter {
            let ok = match field.as_str() {
                "members" => {
                    let wanted =
                        members_condition(cond).ok_or_else(|| ChatError::input("filter on members supports $in, $eq or a list"))?;
                    let members: BTreeSet<String> = self.store().get_members(&channel.cid).await?.into_iter().map(|m| m.user_id).collect();
                    if is_exact(cond) {
                        members == wanted.into_iter().collect::<BTreeSet<_>>()
                    } else {
                        wanted.iter().any(|u| members.contains(u))
                    }
                }
                "joined" => {
                    let Some(user) = acting else { return Err(ChatError::input("the joined filter needs a user")) };
                    let joined = self.store().get_member(&channel.cid, &user.id).await?.is_some();
                    Some(Value::Bool(joined)) == match_values(cond).and_then(|v| v.into_iter().next())
                }
                _ => {
                    let wanted = match_values(cond)
                        .ok_or_else(|| ChatError::input(format!("unsupported filter on {field:?}: use $eq, $in or a value")))?;
                    wanted.contains(&channel_field(channel, field))
                }
            };
            if !ok {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// `DELETE /channels/{type}/{id}`: channel.deleted to watchers, notification.channel_deleted
    /// to members who are not watching.
    pub async fn delete_channel(&self, caller: &Caller, cid: &str) -> ChatResult<Value> {
        let standing = self.standing(caller, cid, None).await?;
        if !standing.access().can_moderate() {
            return Err(ChatError::forbidden(format!("not allowed to delete channel {cid:?}")));
        }
        let loaded = standing.loaded;
        let payload = self.channel_payload(&loaded).await?;
        let members = self.store().get_members(cid).await?;
        self.store().delete_channel(cid).await?;
        let mut event = channel_event("channel.deleted", &loaded.channel);
        event.insert("channel".into(), payload.clone());
        self.publish_to_channel(cid, &event).await?;
        let mut note = channel_event("notification.channel_deleted", &loaded.channel);
        note.insert("channel".into(), payload.clone());
        for m in &members {
            self.publish_to_user(&m.user_id, Some(cid), &note).await?;
        }
        Ok(payload)
    }
}

/// The id of a distinct channel: derived from its sorted members.
fn distinct_id(members: &[MemberInput]) -> ChatResult<String> {
    let ids: BTreeSet<&str> = members.iter().map(|m| m.user_id.as_str()).collect();
    if ids.is_empty() {
        return Err(ChatError::input("a channel without id needs data.members (a distinct channel)"));
    }
    let joined = ids.into_iter().collect::<Vec<_>>().join(",");
    let digest = hex::encode(Sha256::digest(joined.as_bytes()));
    Ok(format!("!members-{}", &digest[..40]))
}

fn read_denied(user: Option<&User>, channel: &ChannelRecord) -> ChatError {
    let (id, role) = user.map_or(("", ""), |u| (u.id.as_str(), u.role.as_str()));
    ChatError::forbidden(format!(
        "User '{id}' with role '{role}' is not allowed to perform action ReadChannel in scope '{}' (channel {})",
        channel.kind, channel.cid
    ))
}

/// `{"$in": [...]}` / `{"$eq": [...]}` / `[...]` / `"id"` → user ids.
fn members_condition(cond: &Value) -> Option<Vec<String>> {
    let list = match cond {
        Value::Object(ops) if ops.len() == 1 => ops.get("$in").or_else(|| ops.get("$eq"))?.clone(),
        other => other.clone(),
    };
    match list {
        Value::Array(items) => Some(items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()),
        Value::String(s) => Some(vec![s]),
        _ => None,
    }
}

fn is_exact(cond: &Value) -> bool {
    matches!(cond, Value::Object(ops) if ops.contains_key("$eq"))
}

fn channel_field(channel: &ChannelRecord, field: &str) -> Value {
    match field {
        "cid" => channel.cid.clone().into(),
        "type" => channel.kind.clone().into(),
        "id" => channel.id.clone().into(),
        "created_by_id" => channel.created_by_id.clone().map(Value::from).unwrap_or(Value::Null),
        "frozen" => channel.frozen.into(),
        "disabled" => channel.disabled.into(),
        "created_at" => channel.created_at.clone().into(),
        "updated_at" => channel.updated_at.clone().into(),
        other => channel.custom.get(other).cloned().unwrap_or(Value::Null),
    }
}

fn sort_channels(channels: &mut [Loaded], keys: &[SortKey], counts: &HashMap<String, usize>) {
    let default = [SortKey { field: "updated_at".into(), direction: -1 }];
    let keys = if keys.is_empty() { &default[..] } else { keys };
    channels.sort_by(|a, b| {
        for key in keys {
            let (a, b) = (&a.channel, &b.channel);
            let ord = match key.field.as_str() {
                "member_count" => counts.get(&a.cid).cmp(&counts.get(&b.cid)),
                "created_at" => a.created_at.cmp(&b.created_at),
                "cid" => a.cid.cmp(&b.cid),
                "id" => a.id.cmp(&b.id),
                // last_message_at is not tracked: it falls back to updated_at
                _ => a.updated_at.cmp(&b.updated_at),
            };
            let ord = if key.direction < 0 { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        a.channel.cid.cmp(&b.channel.cid)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_ids_ignore_order_and_duplicates() {
        let m = |ids: &[&str]| ids.iter().map(|i| MemberInput::parse(&Value::from(*i)).unwrap()).collect::<Vec<_>>();
        let a = distinct_id(&m(&["bob", "alice"])).unwrap();
        assert_eq!(a, distinct_id(&m(&["alice", "bob", "alice"])).unwrap());
        assert!(a.starts_with("!members-") && valid_channel_id(&a));
        assert!(distinct_id(&[]).is_err());
    }

    #[test]
    fn members_conditions() {
        assert_eq!(members_condition(&serde_json::json!({"$in": ["a", "b"]})), Some(vec!["a".into(), "b".into()]));
        assert_eq!(members_condition(&serde_json::json!(["a"])), Some(vec!["a".into()]));
        assert!(is_exact(&serde_json::json!({"$eq": ["a"]})));
        assert_eq!(members_condition(&serde_json::json!({"$gt": 1})), None);
    }
}
