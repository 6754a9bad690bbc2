//! Channel updates: members (add, remove, promote, demote) and data (full and partial); invites
//! and invite answers are delegated to [`super::member_updates`].
//! Publishes member.added/removed/updated and channel.updated to watchers, and
//! notification.added_to_channel / removed_from_channel to the affected users who are not watching.

use super::access::Access;
use super::channels::{Loaded, Standing};
use super::views::{channel_event, member_json, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::api::{named_user_id, MemberInput, PartialUpdateChannelRequest, UpdateChannelRequest};
use herald_proto::channel::{ChannelRecord, MemberRecord, CHANNEL_MANAGED_FIELDS, ROLE_MEMBER, ROLE_MODERATOR};
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

impl Chat {
    /// `POST /channels/{type}/{id}`. Returns `{channel, members}`.
    pub async fn update_channel(&self, caller: &Caller, cid: &str, req: UpdateChannelRequest) -> ChatResult<JsonMap> {
        let standing = self.standing(caller, cid, named_user_id(&req.user_id, &req.user)).await?;
        let may_moderate = standing.access().can_moderate();
        let Standing { loaded, acting, .. } = standing;
        let answers_invite = req.accept_invite == Some(true) || req.reject_invite == Some(true);
        let leaving_only = req.add_members.is_empty()
            && req.add_moderators.is_empty()
            && req.demote_moderators.is_empty()
            && req.invites.is_empty()
            && req.data.is_none()
            && acting.as_ref().is_some_and(|u| req.remove_members.iter().all(|id| *id == u.id));
        if !may_moderate && !leaving_only {
            return Err(ChatError::forbidden(format!("not allowed to update channel {cid:?}")));
        }
        if answers_invite {
            if req.accept_invite == Some(true) && req.reject_invite == Some(true) {
                return Err(ChatError::input("accept_invite and reject_invite exclude each other"));
            }
            self.respond_invite(&loaded, acting.as_ref(), req.accept_invite == Some(true)).await?;
        }
        let invites = MemberInput::parse_list(&req.invites).map_err(ChatError::input)?;
        self.invite_members(&loaded, invites).await?;
        let adds = MemberInput::parse_list(&req.add_members).map_err(ChatError::input)?;
        if !adds.is_empty() {
            self.add_members(cid, adds).await?;
        }
        if !req.remove_members.is_empty() {
            self.remove_members(&loaded, &req.remove_members).await?;
        }
        self.set_roles(&loaded, &req.add_moderators, ROLE_MODERATOR).await?;
        self.set_roles(&loaded, &req.demote_moderators, ROLE_MEMBER).await?;
        let channel = match req.data {
            Some(data) => {
                let frozen = data_frozen(&data);
                let mut custom = data;
                custom.retain(|k, _| !CHANNEL_MANAGED_FIELDS.contains(&k.as_str()));
                self.change_channel(&loaded, acting.as_ref(), &move |ch| {
                    let mut ch = ch.clone();
                    ch.custom = custom.clone();
                    ch.frozen = frozen.unwrap_or(ch.frozen);
                    ch
                })
                .await?
            }
            None => self.load_channel(cid).await?,
        };
        self.update_response(caller, acting.as_ref(), &channel).await
    }

    /// `PATCH /channels/{type}/{id}`: set / unset custom fields (and `frozen`).
    pub async fn partial_update_channel(&self, caller: &Caller, cid: &str, req: PartialUpdateChannelRequest) -> ChatResult<JsonMap> {
        let standing = self.standing(caller, cid, named_user_id(&req.user_id, &req.user)).await?;
        if !standing.access().can_moderate() {
            return Err(ChatError::forbidden(format!("not allowed to update channel {cid:?}")));
        }
        let Standing { loaded, acting, .. } = standing;
        // `frozen` is the one managed field a partial update sets (how the SDKs freeze a channel)
        let managed = |k: &String| k != "frozen" && CHANNEL_MANAGED_FIELDS.contains(&k.as_str());
        if let Some(bad) = req.set.keys().chain(req.unset.iter()).find(|k| managed(k)) {
            return Err(ChatError::input(format!("field {bad:?} cannot be set or unset")));
        }
        let frozen = data_frozen(&req.set);
        let (set, unset) = (req.set, req.unset);
        let channel = self
            .change_channel(&loaded, acting.as_ref(), &move |ch| {
                let mut ch = ch.clone();
                for (k, v) in &set {
                    if k != "frozen" {
                        ch.custom.insert(k.clone(), v.clone());
                    }
                }
                for k in &unset {
                    ch.custom.remove(k);
                }
                ch.frozen = frozen.unwrap_or(ch.frozen && !unset.iter().any(|k| k == "frozen"));
                ch
            })
            .await?;
        self.update_response(caller, acting.as_ref(), &channel).await
    }

    /// Writes a channel change and publishes channel.updated.
    async fn change_channel(
        &self,
        loaded: &Loaded,
        acting: Option<&User>,
        f: &(dyn Fn(&ChannelRecord) -> ChannelRecord + Send + Sync),
    ) -> ChatResult<Loaded> {
        let now = clock::now();
        let cid = loaded.channel.cid.as_str();
        let channel = self
            .store()
            .update_channel(cid, &|ch| {
                let mut next = f(ch);
                next.updated_at = now.clone();
                Some(next)
            })
            .await?
            .ok_or_else(|| ChatError::not_found(format!("channel {cid:?} does not exist")))?;
        let updated = Loaded { channel, config: loaded.config.clone() };
        let mut event = channel_event("channel.updated", &updated.channel);
        event.insert("channel".into(), self.channel_payload(&updated).await?);
        if let Some(user) = acting {
            event.insert("user".into(), user_json(user));
        }
        self.publish_to_channel(cid, &event).await?;
        Ok(updated)
    }

    async fn update_response(&self, caller: &Caller, acting: Option<&User>, loaded: &Loaded) -> ChatResult<JsonMap> {
        let cid = loaded.channel.cid.as_str();
        let members = self.store().get_members(cid).await?;
        let ids: Vec<String> = members.iter().map(|m| m.user_id.clone()).collect();
        let users: std::collections::HashMap<String, User> =
            self.store().get_users(&ids).await?.into_iter().map(|u| (u.id.clone(), u)).collect();
        let member = self.membership(cid, acting).await?;
        let access =
            Access { config: &loaded.config, channel: &loaded.channel, user: acting, member: member.as_ref(), server: caller.is_server() };
        let creator = loaded.channel.created_by_id.as_ref().and_then(|id| users.get(id).cloned());
        let creator = match (creator, &loaded.channel.created_by_id) {
            (None, Some(id)) => self.store().get_user(id).await?,
            (c, _) => c,
        };
        let mut out = JsonMap::new();
        out.insert("channel".into(), super::views::channel_json(&access, members.len(), creator.as_ref()));
        out.insert("members".into(), members.iter().map(|m| member_json(m, users.get(&m.user_id))).collect::<Vec<_>>().into());
        Ok(out)
    }

    async fn remove_members(&self, loaded: &Loaded, ids: &[String]) -> ChatResult<()> {
        let cid = loaded.channel.cid.as_str();
        let removed = self.store().remove_members(cid, ids).await?;
        if removed.is_empty() {
            return Ok(());
        }
        let payload = self.channel_payload(loaded).await?;
        for m in &removed {
            let user = self.store().get_user(&m.user_id).await?;
            let note = ("notification.removed_from_channel", &payload);
            self.announce_member(loaded, m, user.as_ref(), "member.removed", Some(note)).await?;
        }
        Ok(())
    }

    /// Promotes or demotes members; member.updated for each change.
    async fn set_roles(&self, loaded: &Loaded, ids: &[String], role: &str) -> ChatResult<()> {
        let cid = loaded.channel.cid.as_str();
        for id in ids {
            let Some(mut member) = self.store().get_member(cid, id).await? else {
                return Err(ChatError::input(format!("user {id:?} is not a member of channel {cid:?}")));
            };
            if member.channel_role == role {
                continue;
            }
            member.channel_role = role.to_owned();
            member.updated_at = clock::now();
            self.store().upsert_members(cid, vec![member.clone()]).await?;
            let user = self.store().get_user(id).await?;
            self.announce_member(loaded, &member, user.as_ref(), "member.updated", None).await?;
        }
        Ok(())
    }

    /// Adds the members that are not members yet (every user must exist); member.added and
    /// notification.added_to_channel for each. Returns the added ones.
    pub(crate) async fn add_members(&self, cid: &str, inputs: Vec<MemberInput>) -> ChatResult<Vec<MemberRecord>> {
        let (users, added) = self.insert_new_members(cid, inputs, false).await?;
        if added.is_empty() {
            return Ok(added);
        }
        let loaded = self.load_channel(cid).await?;
        let payload = self.channel_payload(&loaded).await?;
        for m in &added {
            let note = ("notification.added_to_channel", &payload);
            self.announce_member(&loaded, m, users.get(&m.user_id), "member.added", Some(note)).await?;
        }
        Ok(added)
    }

    /// Stores a member for each input that is not a member of `cid` yet (every user must exist),
    /// `invited` as given. Returns the users named and the members that are new.
    pub(crate) async fn insert_new_members(
        &self,
        cid: &str,
        inputs: Vec<MemberInput>,
        invited: bool,
    ) -> ChatResult<(HashMap<String, User>, Vec<MemberRecord>)> {
        let users = self.require_users(inputs.iter().map(|m| m.user_id.clone()).collect()).await?;
        let now = clock::now();
        let existing: BTreeSet<String> = self.store().get_members(cid).await?.into_iter().map(|m| m.user_id).collect();
        let records: Vec<MemberRecord> = inputs
            .into_iter()
            .filter(|m| !existing.contains(&m.user_id))
            .map(|m| MemberRecord {
                user_id: m.user_id,
                channel_role: m.channel_role.unwrap_or_else(|| ROLE_MEMBER.to_owned()),
                created_at: now.clone(),
                updated_at: now.clone(),
                banned: false,
                shadow_banned: false,
                notifications_muted: false,
                invited,
                invite_accepted_at: None,
                invite_rejected_at: None,
                custom: m.custom,
            })
            .collect();
        let new = self.store().upsert_members(cid, records).await?.into_iter().filter(|(_, new)| *new).map(|(m, _)| m).collect();
        Ok((users, new))
    }

    /// Publishes `kind` (member.*) to the watchers and, with `note` (type, channel payload), the
    /// notification to the member's connections that are not watching. `user` on both is the member.
    pub(crate) async fn announce_member(
        &self,
        loaded: &Loaded,
        member: &MemberRecord,
        user: Option<&User>,
        kind: &str,
        note: Option<(&str, &Value)>,
    ) -> ChatResult<()> {
        let cid = loaded.channel.cid.as_str();
        let mj = member_json(member, user);
        let uj = mj.get("user").cloned().unwrap_or(Value::Null);
        let mut event = channel_event(kind, &loaded.channel);
        event.insert("member".into(), mj.clone());
        event.insert("user".into(), uj.clone());
        self.publish_to_channel(cid, &event).await?;
        if let Some((note_kind, channel)) = note {
            let mut note = channel_event(note_kind, &loaded.channel);
            note.insert("channel".into(), channel.clone());
            note.insert("member".into(), mj);
            note.insert("user".into(), uj);
            self.publish_to_user(&member.user_id, Some(cid), &note).await?;
        }
        Ok(())
    }
}

fn data_frozen(data: &JsonMap) -> Option<bool> {
    data.get("frozen").and_then(Value::as_bool)
}
