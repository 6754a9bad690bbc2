//! Reactions: send (optionally replacing the user's others: `enforce_unique`), delete, list.
//! Publishes reaction.new / reaction.updated / reaction.deleted to the channel's watchers, each
//! carrying the message with its counts afterwards and the reaction.
//!
//! A reaction is one per (user, type) on a message and lives in the message's record, so the
//! counts on the message change in the same atomic write (concurrent writers on any node never
//! lose one another's reactions). Readers of the channel may react, not in a frozen channel
//! unless they moderate it, and not when the channel type has `reactions` off.

use super::channels::Standing;
use super::message_views::{message_json, reaction_json, reactions_newest_first};
use super::views::{channel_event, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::message::{MessageRecord, ReactionInput, ReactionRecord, ReactionRequest, REACTIONS_MAX_LIMIT};
use herald_proto::user::User;
use serde_json::Value;

/// Most reactions one user may have on one message (each of another type).
pub const MAX_REACTIONS_PER_USER: usize = 25;

/// What a reaction call returns: the message as the reacting user sees it, and the reaction.
pub struct ReactionOutcome {
    pub message: Value,
    pub reaction: Value,
}

/// The message with `user`'s reaction added. With `enforce_unique`, the user's other reactions
/// go; otherwise one of the same type is replaced (keeping when it was first made). Reactions stay
/// in order of their last change. None when the user is at [`MAX_REACTIONS_PER_USER`].
fn with_reaction(m: &MessageRecord, new: &ReactionRecord, enforce_unique: bool) -> Option<MessageRecord> {
    let mut m = m.clone();
    let mine = |r: &ReactionRecord| r.user_id == new.user_id;
    let created_at = m.reactions.iter().find(|r| mine(r) && r.kind == new.kind).map(|r| r.created_at.clone());
    m.reactions.retain(|r| !(mine(r) && (enforce_unique || r.kind == new.kind)));
    if m.reactions.iter().filter(|r| mine(r)).count() >= MAX_REACTIONS_PER_USER {
        return None;
    }
    let mut reaction = new.clone();
    reaction.created_at = created_at.unwrap_or(reaction.created_at);
    m.reactions.push(reaction);
    Some(m)
}

impl Chat {
    /// `POST /messages/{id}/reaction`.
    pub async fn send_reaction(&self, caller: &Caller, message_id: &str, req: ReactionRequest) -> ChatResult<ReactionOutcome> {
        let reaction = req.reaction.as_ref().ok_or_else(|| ChatError::input("reaction is a required object"))?;
        let input = ReactionInput::parse(reaction).map_err(ChatError::input)?;
        let enforce_unique = req.enforce_unique.unwrap_or(false);
        let message = self.existing_message(message_id).await?;
        let named = match caller {
            Caller::Server => Some(input.user_id.clone().ok_or_else(|| ChatError::input("server-side reactions need reaction.user_id"))?),
            Caller::User(_) => None,
        };
        let standing = self.standing(caller, &message.cid, named).await?;
        let user = self.check_may_react(&standing, &message, "send reactions")?;
        self.check_not_banned(&user.id, &message.cid, "SendReaction").await?;
        let now = clock::now();
        let new = ReactionRecord {
            user_id: user.id.clone(),
            kind: input.kind.clone(),
            score: input.score,
            created_at: now.clone(),
            updated_at: now,
            custom: input.custom,
        };
        let (before, after) = self
            .store()
            .update_message(message_id, &|current| if current.is_deleted() { None } else { with_reaction(current, &new, enforce_unique) })
            .await?
            .ok_or_else(|| ChatError::not_found(format!("message {message_id:?} does not exist")))?;
        if before == after {
            return Err(if after.is_deleted() {
                ChatError::input(format!("message {message_id:?} was deleted: it takes no reactions"))
            } else {
                ChatError::input(format!("a user may have at most {MAX_REACTIONS_PER_USER} reactions on one message"))
            });
        }
        let had_any = before.reactions.iter().any(|r| r.user_id == user.id);
        // reaction.updated makes the JS client drop the user's other reactions: only for enforce_unique
        let kind = if enforce_unique && had_any { "reaction.updated" } else { "reaction.new" };
        let stored = after.reactions.iter().rev().find(|r| r.user_id == user.id && r.kind == input.kind).unwrap_or(&new);
        self.announce_reaction(kind, &standing, &after, stored, &user).await
    }

    /// `DELETE /messages/{id}/reaction/{type}` (server-side: `user_id` names whose).
    pub async fn delete_reaction(
        &self,
        caller: &Caller,
        message_id: &str,
        kind: &str,
        named: Option<String>,
    ) -> ChatResult<ReactionOutcome> {
        let message = self.existing_message(message_id).await?;
        let named = match caller {
            Caller::Server => Some(named.ok_or_else(|| ChatError::input("server-side reaction deletes need the user_id parameter"))?),
            Caller::User(_) => None,
        };
        let standing = self.standing(caller, &message.cid, named).await?;
        let user = self.check_may_react(&standing, &message, "remove reactions")?;
        let (before, after) = self
            .store()
            .update_message(message_id, &|current| {
                let mut m = current.clone();
                m.reactions.retain(|r| !(r.user_id == user.id && r.kind == kind));
                (m.reactions.len() != current.reactions.len()).then_some(m)
            })
            .await?
            .ok_or_else(|| ChatError::not_found(format!("message {message_id:?} does not exist")))?;
        let Some(removed) = before.reactions.iter().find(|r| r.user_id == user.id && r.kind == kind) else {
            return Err(ChatError::not_found(format!("user {:?} has no {kind:?} reaction on message {message_id:?}", user.id)));
        };
        self.announce_reaction("reaction.deleted", &standing, &after, removed, &user).await
    }

    /// `GET /messages/{id}/reactions`: newest first, `limit` (≤ 300) after `offset`.
    pub async fn list_reactions(&self, caller: &Caller, message_id: &str, limit: usize, offset: usize) -> ChatResult<Vec<Value>> {
        let message = self.existing_message(message_id).await?;
        let standing = self.standing(caller, &message.cid, None).await?;
        if !standing.access().can_read() {
            return Err(ChatError::forbidden(format!("not allowed to read messages of channel {}", message.cid)));
        }
        let users = self.users_for(&[&message]).await?;
        let page = reactions_newest_first(&message).skip(offset).take(limit.min(REACTIONS_MAX_LIMIT));
        Ok(page.map(|r| reaction_json(&message.id, r, &users)).collect())
    }

    /// The reacting user, if they may react to `message` now.
    fn check_may_react(&self, standing: &Standing, message: &MessageRecord, what: &str) -> ChatResult<User> {
        let access = standing.access();
        let user = standing.acting.clone().ok_or_else(|| ChatError::input("the reaction has no user"))?;
        if !access.can_read() {
            return Err(ChatError::forbidden(format!(
                "User '{}' is not allowed to {what} in channel {}: only users who can read the channel may",
                user.id, message.cid
            )));
        }
        if !standing.loaded.config.reactions {
            return Err(ChatError::feature_off(&standing.loaded.channel.kind, "reactions"));
        }
        if standing.loaded.channel.frozen && !access.can_moderate() {
            return Err(ChatError::frozen(&message.cid, what));
        }
        Ok(user)
    }

    /// Publishes `kind` with the message (as everyone sees it) and the reaction; returns them as
    /// the reacting user sees them.
    async fn announce_reaction(
        &self,
        kind: &str,
        standing: &Standing,
        message: &MessageRecord,
        reaction: &ReactionRecord,
        user: &User,
    ) -> ChatResult<ReactionOutcome> {
        let users = self.users_for(&[message]).await?;
        let mut users_with_reactor = users;
        users_with_reactor.entry(user.id.clone()).or_insert_with(|| user.clone());
        let reaction = reaction_json(&message.id, reaction, &users_with_reactor);
        let mut event = channel_event(kind, &standing.loaded.channel);
        event.insert("message".into(), message_json(message, &users_with_reactor, None));
        event.insert("reaction".into(), reaction.clone());
        event.insert("user".into(), user_json(user));
        self.publish_to_channel(&message.cid, &event).await?;
        Ok(ReactionOutcome { message: message_json(message, &users_with_reactor, Some(&user.id)), reaction })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_proto::message::MessageInput;

    fn reaction(user: &str, kind: &str, at: &str) -> ReactionRecord {
        ReactionRecord {
            user_id: user.into(),
            kind: kind.into(),
            score: 1,
            created_at: at.into(),
            updated_at: at.into(),
            custom: Default::default(),
        }
    }

    fn message(reactions: Vec<ReactionRecord>) -> MessageRecord {
        let input = MessageInput { text: Some("hi".into()), ..Default::default() };
        MessageRecord { reactions, ..MessageRecord::posted("m".into(), "messaging:c", "regular", "alice", "t0", input) }
    }

    fn kinds(m: &MessageRecord) -> Vec<(String, String)> {
        m.reactions.iter().map(|r| (r.user_id.clone(), r.kind.clone())).collect()
    }

    #[test]
    fn same_type_replaces_enforce_unique_replaces_all_of_the_user() {
        let m = message(vec![reaction("bob", "like", "t1"), reaction("carol", "like", "t2"), reaction("bob", "love", "t3")]);
        let again = with_reaction(&m, &reaction("bob", "like", "t9"), false).unwrap();
        let pairs = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        assert_eq!(kinds(&again), pairs(&[("carol", "like"), ("bob", "love"), ("bob", "like")]));
        assert_eq!(again.reactions[2].created_at, "t1", "an updated reaction keeps when it was first made");
        let unique = with_reaction(&m, &reaction("bob", "wow", "t9"), true).unwrap();
        assert_eq!(kinds(&unique), pairs(&[("carol", "like"), ("bob", "wow")]));
    }

    #[test]
    fn a_user_has_a_bounded_number_of_reactions() {
        let many = (0..MAX_REACTIONS_PER_USER).map(|i| reaction("bob", &format!("r{i}"), "t")).collect();
        let m = message(many);
        assert!(with_reaction(&m, &reaction("bob", "one-more", "t"), false).is_none());
        assert!(with_reaction(&m, &reaction("bob", "r3", "t"), false).is_some(), "replacing one is fine");
        assert!(with_reaction(&m, &reaction("carol", "one-more", "t"), false).is_some());
    }
}
