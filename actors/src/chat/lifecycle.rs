//! Channel lifecycle: channel.created on creation; truncate (channel.truncated to watchers,
//! notification.channel_truncated to members not watching); hide/show (channel.hidden /
//! channel.visible to that user's own connections; a new message shows a hidden channel again);
//! channel mutes (notification.channel_mutes_updated with `me`, plus channel.muted /
//! channel.unmuted, to the muting user's own connections); the `hidden` filter of query channels
//! and `channel_mutes` in `me`. Called by the lifecycle routes, channel creation and queries,
//! and message sends.

use super::channels::{Loaded, Standing};
use super::views::{channel_event, me_json_with, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::api::named_user_id;
use herald_proto::channel::ChannelRecord;
use herald_proto::lifecycle::{ChannelMute, HideRequest, MuteChannelRequest, TruncateRequest};
use herald_proto::message::{MessageInput, MessageRecord};
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde_json::Value;
use std::collections::HashSet;

/// A message type herald writes itself (the truncate message).
const TYPE_SYSTEM: &str = "system";

impl Chat {
    /// Leaves out of a rendered message page (oldest first) the messages `viewer` cleared with
    /// a hide: the page's oldest ones, so the page stays a contiguous slice of what they see.
    pub(crate) async fn without_cleared(&self, cid: &str, viewer: Option<&str>, messages: Vec<Value>) -> ChatResult<Vec<Value>> {
        let Some(viewer) = viewer else { return Ok(messages) };
        let Some(cut) = self.store().history_cleared_at(cid, viewer).await? else { return Ok(messages) };
        Ok(messages.into_iter().filter(|m| m["created_at"].as_str().is_some_and(|t| t > cut.as_str())).collect())
    }
}

/// Query channels and hidden channels: a user's hidden channels are left out unless the filter
/// asks for `hidden: true` (then only they are listed).
pub(crate) struct HiddenFilter {
    hidden: HashSet<String>,
    want_hidden: bool,
}

impl HiddenFilter {
    pub fn excludes(&self, cid: &str) -> bool {
        self.hidden.contains(cid) != self.want_hidden
    }

    /// Sets `channel.hidden` in a listed state.
    pub fn mark(&self, cid: &str, state: &mut JsonMap) {
        if let Some(Value::Object(channel)) = state.get_mut("channel") {
            channel.insert("hidden".into(), self.hidden.contains(cid).into());
        }
    }
}

impl Chat {
    /// Takes `hidden` out of a query-channels filter and loads the acting user's hidden channels.
    pub(crate) async fn hidden_filter(&self, filter: &mut JsonMap, acting: Option<&User>) -> ChatResult<HiddenFilter> {
        let want_hidden = match filter.remove("hidden") {
            None => false,
            Some(Value::Bool(b)) => b,
            Some(Value::Object(cond)) if cond.len() == 1 && cond.get("$eq").is_some_and(Value::is_boolean) => cond["$eq"] == true,
            Some(other) => return Err(ChatError::input(format!("the hidden filter takes true or false, not {other}"))),
        };
        let hidden = match acting {
            Some(u) => self.store().hidden_channels(&u.id).await?.into_iter().collect(),
            None => HashSet::new(),
        };
        Ok(HiddenFilter { hidden, want_hidden })
    }

    /// channel.created, on the new channel's topic: nobody watches a channel before it exists,
    /// so no socket gets it (like Stream, where it is a webhook event); the webhook tap sees it.
    pub(crate) async fn announce_created(&self, channel: &ChannelRecord) -> ChatResult<()> {
        let loaded = Loaded { channel: channel.clone(), config: self.channel_type(&channel.kind).await? };
        let mut event = channel_event("channel.created", channel);
        event.insert("channel".into(), self.channel_payload(&loaded).await?);
        if let Some(creator) = &channel.created_by_id {
            if let Some(user) = self.store().get_user(creator).await? {
                event.insert("user".into(), user_json(&user));
            }
        }
        self.publish_to_channel(&channel.cid, &event).await
    }

    /// `POST /channels/{type}/{id}/truncate`: removes the messages up to `truncated_at` (default
    /// now; `hard_delete` or not, they are gone from the store), resets every member's unread
    /// count, optionally adds a system `message`. Moderators and server-side calls only.
    /// Returns `{channel, message?}`.
    pub async fn truncate_channel(&self, caller: &Caller, cid: &str, req: TruncateRequest) -> ChatResult<JsonMap> {
        let message_input = req.message.as_ref().map(MessageInput::parse).transpose().map_err(ChatError::input)?;
        let named = named_user_id(&req.user_id, &req.user).or_else(|| message_input.as_ref().and_then(|m| m.user_id.clone()));
        let standing = self.standing(caller, cid, if caller.is_server() { named } else { None }).await?;
        if !standing.access().can_moderate() {
            return Err(ChatError::forbidden(format!("not allowed to truncate channel {cid}: only its moderators may")));
        }
        let now = clock::now();
        let at = match req.truncated_at.as_deref() {
            None => now.clone(),
            Some(t) => normalize_time(t)?,
        };
        if at > now {
            return Err(ChatError::input("truncated_at must not be in the future"));
        }
        self.store().truncate_messages(cid, &at).await?;
        let channel = self
            .store()
            .update_channel(cid, &|c| {
                let mut c = c.clone();
                c.truncated_at = Some(at.clone());
                c.updated_at = now.clone();
                Some(c)
            })
            .await?
            .ok_or_else(|| ChatError::not_found(format!("channel {cid:?} does not exist")))?;
        self.store().reset_reads(cid, &at).await?;
        let loaded = Loaded { channel, config: standing.loaded.config.clone() };
        let message = match message_input {
            Some(input) => Some(self.system_message(&standing, input).await?),
            None => None,
        };
        let payload = self.channel_payload(&loaded).await?;
        let mut event = channel_event("channel.truncated", &loaded.channel);
        event.insert("channel".into(), payload.clone());
        if let Some(user) = &standing.acting {
            event.insert("user".into(), user_json(user));
        }
        if let Some(m) = &message {
            event.insert("message".into(), m.clone());
        }
        self.publish_to_channel(cid, &event).await?;
        let members: Vec<String> = self.store().get_members(cid).await?.into_iter().map(|m| m.user_id).collect();
        event.insert("type".into(), "notification.channel_truncated".into());
        self.publish_to_users(&members, Some(cid), &event).await?;
        let mut out = JsonMap::new();
        out.insert("channel".into(), payload);
        if let Some(m) = message {
            out.insert("message".into(), m);
        }
        Ok(out)
    }

    /// The truncate's system message, stored after the truncation (it counts as nobody's unread).
    async fn system_message(&self, standing: &Standing, input: MessageInput) -> ChatResult<Value> {
        let author = match (&standing.acting, &input.user_id) {
            (Some(u), _) => u.clone(),
            (None, Some(id)) => self.ensure_user(id).await?,
            (None, None) => return Err(ChatError::input("the truncate message needs message.user_id server-side")),
        };
        let id = input.id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let record = MessageRecord::posted(id, &standing.loaded.channel.cid, TYPE_SYSTEM, &author.id, &clock::now(), input);
        if !self.store().insert_message(&record, self.limits().max_channel_messages).await? {
            return Err(ChatError::input(format!("a message with ID {} already exists", record.id)));
        }
        let users = self.users_for(&[&record]).await?;
        Ok(super::message_views::message_json(&record, &users, None))
    }

    /// `POST /channels/{type}/{id}/hide`: hides the channel from the member's channel list
    /// until a new message or `show`. channel.hidden to that user's connections.
    /// `clear_history` also hides the messages so far from them (channel states they query) and
    /// marks the channel read for them.
    pub async fn hide_channel(&self, caller: &Caller, cid: &str, req: HideRequest) -> ChatResult<()> {
        let (standing, user) = self.hider(caller, cid, named_user_id(&req.user_id, &req.user)).await?;
        let clear = req.clear_history.unwrap_or(false);
        self.store().set_hidden(cid, &user.id, true).await?;
        if clear {
            let now = clock::now();
            self.store().clear_history(cid, &user.id, &now).await?;
            self.store().mark_read(cid, &user.id, &now, None).await?;
        }
        let mut event = channel_event("channel.hidden", &standing.loaded.channel);
        event.insert("channel".into(), self.channel_payload(&standing.loaded).await?);
        event.insert("user".into(), user_json(&user));
        event.insert("clear_history".into(), clear.into());
        self.publish_to_user(&user.id, None, &event).await
    }

    /// `POST /channels/{type}/{id}/show`: channel.visible to that user's connections.
    pub async fn show_channel(&self, caller: &Caller, cid: &str, req: HideRequest) -> ChatResult<()> {
        let (standing, user) = self.hider(caller, cid, named_user_id(&req.user_id, &req.user)).await?;
        self.store().set_hidden(cid, &user.id, false).await?;
        self.publish_visible(&standing.loaded, &user.id, Some(&user)).await
    }

    /// A new message shows the channel again to everyone who hid it (channel.visible to each).
    pub(crate) async fn reveal_hidden(&self, loaded: &Loaded) -> ChatResult<()> {
        for user in self.store().show_to_all(&loaded.channel.cid).await? {
            self.publish_visible(loaded, &user, None).await?;
        }
        Ok(())
    }

    async fn publish_visible(&self, loaded: &Loaded, user_id: &str, user: Option<&User>) -> ChatResult<()> {
        let mut event = channel_event("channel.visible", &loaded.channel);
        event.insert("channel".into(), self.channel_payload(loaded).await?);
        let user = match user {
            Some(u) => Some(u.clone()),
            None => self.store().get_user(user_id).await?,
        };
        if let Some(u) = &user {
            event.insert("user".into(), user_json(u));
        }
        self.publish_to_user(user_id, None, &event).await
    }

    /// Hiding and showing are for the channel's members (server-side: the named user).
    async fn hider(&self, caller: &Caller, cid: &str, named: Option<String>) -> ChatResult<(Standing, User)> {
        let standing = self.standing(caller, cid, if caller.is_server() { named } else { None }).await?;
        let user = standing.acting.clone().ok_or_else(|| ChatError::input("user_id is required for server-side calls"))?;
        if standing.member.is_none() {
            return Err(ChatError::forbidden(format!("User '{}' is not a member of channel {cid}: only members hide or show it", user.id)));
        }
        Ok((standing, user))
    }

    /// `POST /moderation/mute/channel`: mutes channels for a user (`expiration` in ms; absent or
    /// 0: until unmuted); their messages no longer count as the user's unread. Returns
    /// `{channel_mute?, channel_mutes, own_user}`.
    pub async fn mute_channels(&self, caller: &Caller, req: MuteChannelRequest) -> ChatResult<JsonMap> {
        let (user, loaded) = self.muting(caller, &req).await?;
        let now = clock::now();
        let expires = req.expiration.filter(|ms| *ms > 0).map(|ms| {
            let at = chrono::Utc::now() + chrono::Duration::milliseconds(ms.min(i64::MAX as u64) as i64);
            at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
        });
        let mut mutes = Vec::new();
        for l in &loaded {
            let mute = ChannelMute {
                user_id: user.id.clone(),
                cid: l.channel.cid.clone(),
                created_at: now.clone(),
                updated_at: now.clone(),
                expires: expires.clone(),
            };
            self.store().put_channel_mute(&mute).await?;
            mutes.push(self.channel_mute_json(&mute, &user, l).await?);
        }
        self.announce_channel_mutes(&user, &loaded, &mutes, "channel.muted").await?;
        let mut out = JsonMap::new();
        if mutes.len() == 1 {
            out.insert("channel_mute".into(), mutes[0].clone());
        }
        out.insert("channel_mutes".into(), mutes.into());
        out.insert("own_user".into(), me_json_with(&user, &self.me_fields(&user.id).await?));
        Ok(out)
    }

    /// `POST /moderation/unmute/channel`.
    pub async fn unmute_channels(&self, caller: &Caller, req: MuteChannelRequest) -> ChatResult<()> {
        let (user, loaded) = self.muting(caller, &req).await?;
        let mut mutes = Vec::with_capacity(loaded.len());
        for l in &loaded {
            let removed = self.store().remove_channel_mute(&user.id, &l.channel.cid).await?;
            mutes.push(match removed {
                Some(mute) => self.channel_mute_json(&mute, &user, l).await?,
                None => Value::Null,
            });
        }
        self.announce_channel_mutes(&user, &loaded, &mutes, "channel.unmuted").await
    }

    /// The muting user and the channels named (each must exist and be readable by the user).
    async fn muting(&self, caller: &Caller, req: &MuteChannelRequest) -> ChatResult<(User, Vec<Loaded>)> {
        let named = if caller.is_server() { named_user_id(&req.user_id, &req.user) } else { None };
        let user = self.acting_user(caller, named).await?.ok_or_else(|| ChatError::input("user_id is required for server-side calls"))?;
        let cids = req.cids();
        if cids.is_empty() {
            return Err(ChatError::input("channel_cid or channel_cids is required"));
        }
        let mut loaded = Vec::with_capacity(cids.len());
        for cid in cids {
            let standing = self.standing(&Caller::User(user.id.clone()), &cid, None).await?;
            if !standing.access().can_read() {
                return Err(ChatError::forbidden(format!("User '{}' is not allowed to read channel {cid}", user.id)));
            }
            loaded.push(standing.loaded);
        }
        Ok((user, loaded))
    }

    /// channel.muted / channel.unmuted per channel, then notification.channel_mutes_updated with
    /// the new `me`, all to the user's own connections.
    /// `mutes[i]` (the mute as [`Self::channel_mute_json`] renders it, or null) goes in the
    /// channel event of `loaded[i]` as `mute`, like Stream's webhook payload.
    async fn announce_channel_mutes(&self, user: &User, loaded: &[Loaded], mutes: &[Value], kind: &str) -> ChatResult<()> {
        for (l, mute) in loaded.iter().zip(mutes) {
            let mut event = channel_event(kind, &l.channel);
            event.insert("user".into(), user_json(user));
            if !mute.is_null() {
                event.insert("mute".into(), mute.clone());
            }
            self.publish_to_user(&user.id, None, &event).await?;
        }
        let mut note = super::views::bare_event("notification.channel_mutes_updated");
        note.insert("me".into(), me_json_with(user, &self.me_fields(&user.id).await?));
        self.publish_to_user(&user.id, None, &note).await
    }

    /// `ChannelMute` as the protocol shows it: `user`, `channel`, times, `expires`.
    async fn channel_mute_json(&self, mute: &ChannelMute, user: &User, loaded: &Loaded) -> ChatResult<Value> {
        let mut obj = JsonMap::new();
        obj.insert("user".into(), user_json(user));
        obj.insert("channel".into(), self.channel_payload(loaded).await?);
        obj.insert("created_at".into(), mute.created_at.clone().into());
        obj.insert("updated_at".into(), mute.updated_at.clone().into());
        if let Some(e) = &mute.expires {
            obj.insert("expires".into(), e.clone().into());
        }
        Ok(Value::Object(obj))
    }

    /// A user's live channel mutes (expired ones left out; channels since deleted too).
    pub(crate) async fn channel_mutes_json(&self, user_id: &str) -> ChatResult<Vec<Value>> {
        let mutes = self.store().channel_mutes(user_id).await?;
        if mutes.is_empty() {
            return Ok(Vec::new());
        }
        let Some(user) = self.store().get_user(user_id).await? else { return Ok(Vec::new()) };
        let now = clock::now();
        let mut out = Vec::new();
        for mute in mutes.iter().filter(|m| !m.expired(&now)) {
            let Ok(loaded) = self.load_channel(&mute.cid).await else { continue };
            out.push(self.channel_mute_json(mute, &user, &loaded).await?);
        }
        Ok(out)
    }
}

/// An RFC 3339 time as herald writes times (UTC, nanoseconds), so stored times compare as text.
fn normalize_time(t: &str) -> ChatResult<String> {
    let parsed =
        chrono::DateTime::parse_from_rfc3339(t).map_err(|e| ChatError::input(format!("truncated_at {t:?} is not RFC 3339: {e}")))?;
    Ok(parsed.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
}
