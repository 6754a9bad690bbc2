//! Read state: mark a channel read (`message.read` to its watchers, `notification.mark_read` to
//! the reader's own connections), mark it unread from a message (`notification.mark_unread` to
//! the reader's connections), mark every channel read, and the unread totals `me` carries.
//! Called by the read routes, by the WebSocket handshake (`me`) and by channel states (`read`).
//!
//! Channel events are encoded once and carry no per-user numbers; the reader's unread counts
//! travel only in the notification events sent to that reader. The channel type's
//! `read_events` flag gates all of it (400, code 19 when off).

use super::channels::Standing;
use super::views::{bare_event, channel_event, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::api::named_user_id;
use herald_proto::message::MessageCursor;
use herald_proto::read::{MarkChannelsReadRequest, MarkReadRequest, ReadState, UnreadTotals};
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde_json::Value;

impl Chat {
    /// What `me` carries of the user's own state: the unread totals, `channel_mutes` and
    /// `mutes` (handshake, notification.mutes_updated / channel_mutes_updated, own_user).
    pub async fn me_fields(&self, user_id: &str) -> ChatResult<JsonMap> {
        let mut out = self.unread_fields(user_id).await?;
        out.insert("channel_mutes".into(), self.channel_mutes_json(user_id).await?.into());
        if let Some(user) = self.store().get_user(user_id).await? {
            out.insert("mutes".into(), self.mutes_of(&user).await?.into());
        }
        Ok(out)
    }

    /// A user's unread totals as `me` and notification events carry them: `total_unread_count`,
    /// `unread_count` (the same number), `unread_channels`, `unread_threads` (0: no threads).
    pub async fn unread_fields(&self, user_id: &str) -> ChatResult<JsonMap> {
        let totals = UnreadTotals::of(&self.store().user_reads(user_id).await?);
        let mut out = JsonMap::new();
        out.insert("total_unread_count".into(), totals.total_unread_count.into());
        out.insert("unread_count".into(), totals.total_unread_count.into());
        out.insert("unread_channels".into(), totals.unread_channels.into());
        out.insert("unread_threads".into(), 0.into());
        Ok(out)
    }

    /// Publishes a user-targeted notification to each of `user_ids` with that user's own unread
    /// totals (`total_unread_count`, `unread_count`, `unread_channels`): one store call for the
    /// numbers, then one encoding per recipient (these are the per-recipient events).
    pub(crate) async fn publish_with_unread(&self, user_ids: &[String], skip_watching: Option<&str>, event: &JsonMap) -> ChatResult<()> {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        let totals = self.store().unread_totals(user_ids).await?;
        stream::iter(user_ids.iter().zip(totals))
            .map(|(id, t)| {
                let mut note = event.clone();
                note.insert("total_unread_count".into(), t.total_unread_count.into());
                note.insert("unread_count".into(), t.total_unread_count.into());
                note.insert("unread_channels".into(), t.unread_channels.into());
                async move { self.publish_to_user(id, skip_watching, &note).await }
            })
            .buffer_unordered(32)
            .try_collect::<()>()
            .await
    }

    /// `POST /channels/{type}/{id}/read`: the caller (or, server-side, the named user) has read
    /// the channel, up to `message_id` or its newest message. Returns `message.read` as published.
    pub async fn mark_read(&self, caller: &Caller, cid: &str, req: MarkReadRequest) -> ChatResult<JsonMap> {
        let (standing, reader) = self.reader(caller, cid, named_user_id(&req.user_id, &req.user)).await?;
        let upto = match req.message_id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => Some(self.message_in(cid, id).await?),
            None => self.store().channel_messages(cid, MessageCursor::Latest, 1).await?.pop().map(|m| m.id),
        };
        let read = self.store().mark_read(cid, &reader.id, &clock::now(), upto.as_deref()).await?;
        let event = self.publish_read(&standing, &reader, &read).await?;
        self.notify_mark_read(&reader.id, Some(&standing), &read).await?;
        self.end_unread_period_if_read(&reader.id).await?;
        Ok(event)
    }

    /// `POST /channels/{type}/{id}/unread` with `message_id`: that message and every later one
    /// are unread again. `notification.mark_unread` to the reader's connections.
    pub async fn mark_unread(&self, caller: &Caller, cid: &str, req: MarkReadRequest) -> ChatResult<()> {
        let (standing, reader) = self.reader(caller, cid, named_user_id(&req.user_id, &req.user)).await?;
        let Some(first) = req.message_id.as_deref().filter(|id| !id.is_empty()) else {
            return Err(ChatError::input("message_id is required to mark a channel unread"));
        };
        let first = self.message_in(cid, first).await?;
        let keep = self.limits().max_channel_messages.max(1);
        let later = self.store().channel_messages(cid, MessageCursor::After(&first), keep).await?;
        let before = self.store().channel_messages(cid, MessageCursor::Before(&first), 1).await?.pop();
        let read = ReadState {
            cid: cid.to_owned(),
            user_id: reader.id.clone(),
            last_read: before.as_ref().map_or_else(|| clock::NEVER.to_owned(), |m| m.created_at.clone()),
            last_read_message_id: before.map(|m| m.id),
            unread_messages: later.len() as u64 + 1,
        };
        self.store().set_read(&read).await?;
        let mut note = channel_event("notification.mark_unread", &standing.loaded.channel);
        note.insert("user".into(), user_json(&reader));
        note.insert("first_unread_message_id".into(), first.into());
        note.insert("last_read_at".into(), read.last_read.clone().into());
        note.insert("last_read_message_id".into(), read.last_read_message_id.clone().into());
        note.insert("unread_messages".into(), read.unread_messages.into());
        note.extend(self.unread_fields(&reader.id).await?);
        self.publish_to_user(&reader.id, None, &note).await?;
        self.end_unread_period_if_read(&reader.id).await
    }

    /// `POST /channels/read`: every channel of the user (or those of `read_by_channel`) is read.
    /// `message.read` to each channel's watchers (where read events are on), then one
    /// `notification.mark_read` with the new totals to the user's connections.
    pub async fn mark_channels_read(&self, caller: &Caller, req: MarkChannelsReadRequest) -> ChatResult<()> {
        let named = named_user_id(&req.user_id, &req.user);
        let reader = match caller {
            Caller::User(_) => self.acting_user(caller, None).await?,
            Caller::Server => self.acting_user(caller, named).await?,
        }
        .ok_or_else(|| ChatError::input("user_id is required for server-side calls"))?;
        let only = req.read_by_channel.unwrap_or_default();
        for read in self.store().user_reads(&reader.id).await? {
            if !only.is_empty() && !only.contains_key(&read.cid) {
                continue;
            }
            let standing = self.standing(caller, &read.cid, caller.is_server().then(|| reader.id.clone())).await?;
            if !standing.loaded.config.read_events {
                continue;
            }
            let upto = match only.get(&read.cid).filter(|id| !id.is_empty()) {
                Some(id) => Some(self.message_in(&read.cid, id).await?),
                None => self.store().channel_messages(&read.cid, MessageCursor::Latest, 1).await?.pop().map(|m| m.id),
            };
            let done = self.store().mark_read(&read.cid, &reader.id, &clock::now(), upto.as_deref()).await?;
            self.publish_read(&standing, &reader, &done).await?;
        }
        let mut note = bare_event("notification.mark_read");
        note.insert("user".into(), user_json(&reader));
        note.extend(self.unread_fields(&reader.id).await?);
        self.publish_to_user(&reader.id, None, &note).await
    }

    /// The channel and the user whose read state changes: must be able to read the channel, and
    /// the channel type must have read events.
    async fn reader(&self, caller: &Caller, cid: &str, named: Option<String>) -> ChatResult<(Standing, User)> {
        let named = if caller.is_server() { named } else { None };
        let standing = self.standing(caller, cid, named).await?;
        let reader = standing.acting.clone().ok_or_else(|| ChatError::input("user_id is required for server-side calls"))?;
        if !standing.loaded.config.read_events {
            return Err(ChatError::feature_off(&standing.loaded.config.name, "read events"));
        }
        if !standing.access().can_read() {
            return Err(ChatError::forbidden(format!("User '{}' is not allowed to read channel {cid}", reader.id)));
        }
        Ok((standing, reader))
    }

    /// The id of a message of `cid`: 404 when there is none, 400 when it is in another channel.
    async fn message_in(&self, cid: &str, id: &str) -> ChatResult<String> {
        let message = self.existing_message(id).await?;
        if message.cid != cid {
            return Err(ChatError::input(format!("message {id:?} is not in channel {cid}")));
        }
        Ok(message.id)
    }

    /// `message.read` to the channel's watchers (no per-user numbers: encoded once).
    async fn publish_read(&self, standing: &Standing, reader: &User, read: &ReadState) -> ChatResult<JsonMap> {
        let mut event = channel_event("message.read", &standing.loaded.channel);
        event.insert("user".into(), user_json(reader));
        event.insert("last_read_message_id".into(), read.last_read_message_id.clone().map_or(Value::Null, Value::from));
        event.insert("created_at".into(), read.last_read.clone().into());
        self.publish_to_channel(&read.cid, &event).await?;
        Ok(event)
    }

    /// `notification.mark_read` with the reader's numbers, to the reader's connections only.
    async fn notify_mark_read(&self, reader: &str, standing: Option<&Standing>, read: &ReadState) -> ChatResult<()> {
        let mut note = match standing {
            Some(s) => {
                let mut note = channel_event("notification.mark_read", &s.loaded.channel);
                note.insert("channel".into(), self.channel_payload(&s.loaded).await?);
                note
            }
            None => bare_event("notification.mark_read"),
        };
        if let Some(user) = self.store().get_user(reader).await? {
            note.insert("user".into(), user_json(&user));
        }
        note.insert("last_read_message_id".into(), read.last_read_message_id.clone().map_or(Value::Null, Value::from));
        note.extend(self.unread_fields(reader).await?);
        self.publish_to_user(reader, None, &note).await
    }
}
