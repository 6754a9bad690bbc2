//! Member updates beyond adding and removing: invites (`invites` on create/update →
//! notification.invited to the invitee's connections not watching, member.added to watchers),
//! invite responses (`accept_invite` / `reject_invite` → member.updated to watchers and
//! notification.invite_accepted / invite_rejected to the invitee's connections not watching),
//! and partial member updates (custom member data `set`/`unset` → member.updated to watchers).
//! Called from channel creation and `update_channel` ([`super::members`]) and the member route.
//! Answers and partial updates change the member record atomically (`update_member`).

use super::channels::Loaded;
use super::views::member_json;
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::api::MemberInput;
use herald_proto::channel::MemberRecord;
use herald_proto::lifecycle::{PartialUpdateMemberRequest, MEMBER_MANAGED_FIELDS};
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde_json::Value;

impl Chat {
    /// Invites users who are not members yet: each becomes a member with `invited: true`;
    /// member.added to the watchers and notification.invited to the invitee. Returns them.
    pub(crate) async fn invite_members(&self, loaded: &Loaded, inputs: Vec<MemberInput>) -> ChatResult<Vec<MemberRecord>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let (users, invited) = self.insert_new_members(&loaded.channel.cid, inputs, true).await?;
        if invited.is_empty() {
            return Ok(invited);
        }
        let payload = self.channel_payload(loaded).await?;
        for m in &invited {
            let note = ("notification.invited", &payload);
            self.announce_member(loaded, m, users.get(&m.user_id), "member.added", Some(note)).await?;
        }
        Ok(invited)
    }

    /// `accept_invite` / `reject_invite` by an invited member: stamps the member, member.updated
    /// to watchers, notification.invite_accepted / invite_rejected to the invitee.
    pub(crate) async fn respond_invite(&self, loaded: &Loaded, user: Option<&User>, accept: bool) -> ChatResult<()> {
        let cid = loaded.channel.cid.as_str();
        let user = user.ok_or_else(|| ChatError::input("accepting or rejecting an invite needs a user (user_id server-side)"))?;
        let now = clock::now();
        let pending = |m: &MemberRecord| m.invited && m.invite_accepted_at.is_none() && m.invite_rejected_at.is_none();
        let answer = |m: &MemberRecord| {
            pending(m).then(|| {
                let mut m = m.clone();
                if accept {
                    m.invite_accepted_at = Some(now.clone());
                } else {
                    m.invite_rejected_at = Some(now.clone());
                }
                m.updated_at = now.clone();
                m
            })
        };
        let changed = self.store().update_member(cid, &user.id, &answer).await?;
        let member = match changed {
            Some((before, after)) if pending(&before) => after,
            Some((before, _)) if before.invited => {
                return Err(ChatError::input(format!("user {:?} already answered the invite to channel {cid}", user.id)))
            }
            _ => return Err(ChatError::input(format!("user {:?} has no invite to channel {cid}", user.id))),
        };
        let payload = self.channel_payload(loaded).await?;
        let kind = if accept { "notification.invite_accepted" } else { "notification.invite_rejected" };
        self.announce_member(loaded, &member, Some(user), "member.updated", Some((kind, &payload))).await
    }

    /// `PATCH /channels/{type}/{id}/member[/{user_id}]`: sets and unsets a member's custom data.
    /// The member themselves, the channel's moderators and server-side calls may. Returns
    /// `{channel_member}`; member.updated to the watchers.
    pub async fn partial_update_member(
        &self,
        caller: &Caller,
        cid: &str,
        user_id: Option<String>,
        req: PartialUpdateMemberRequest,
    ) -> ChatResult<JsonMap> {
        let target = user_id.or(req.user_id.clone()).or_else(|| caller.user_id().map(str::to_owned));
        let target = target.filter(|t| !t.is_empty()).ok_or_else(|| ChatError::input("user_id is required for server-side calls"))?;
        let standing = self.standing(caller, cid, None).await?;
        let own = caller.user_id() == Some(target.as_str());
        if !own && !standing.access().can_moderate() {
            return Err(ChatError::forbidden(format!("not allowed to update member {target:?} of channel {cid}")));
        }
        let (set, unset) = (req.set.unwrap_or_default(), req.unset.unwrap_or_default());
        if set.is_empty() && unset.is_empty() {
            return Err(ChatError::input("set or unset is required"));
        }
        if let Some(bad) = set.keys().chain(unset.iter()).find(|k| MEMBER_MANAGED_FIELDS.contains(&k.as_str())) {
            return Err(ChatError::input(format!("member field {bad:?} cannot be set or unset")));
        }
        let now = clock::now();
        let change = |m: &MemberRecord| {
            let mut m = m.clone();
            for k in &unset {
                m.custom.remove(k);
            }
            m.custom.extend(set.clone());
            m.updated_at = now.clone();
            Some(m)
        };
        let (_, member) = self
            .store()
            .update_member(cid, &target, &change)
            .await?
            .ok_or_else(|| ChatError::not_found(format!("user {target:?} is not a member of channel {cid}")))?;
        let user = self.store().get_user(&target).await?;
        self.announce_member(&standing.loaded, &member, user.as_ref(), "member.updated", None).await?;
        let mut out = JsonMap::new();
        out.insert("channel_member".into(), member_json(&member, user.as_ref()));
        Ok(out)
    }
}

/// `data.invites` of a channel creation: the invitees (ids or member objects).
pub(crate) fn invites_of(data: &JsonMap) -> ChatResult<Vec<MemberInput>> {
    match data.get("invites") {
        Some(Value::Array(list)) => MemberInput::parse_list(list).map_err(ChatError::input),
        Some(Value::Null) | None => Ok(Vec::new()),
        Some(_) => Err(ChatError::input("data.invites must be a list")),
    }
}
