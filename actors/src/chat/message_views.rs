//! JSON shapes of messages and reactions (Stream's `MessageResponse`, `ReactionResponse`).
//!
//! Everything about reactions on a message is derived here from the reactions its record holds:
//! `reaction_counts`, `reaction_scores`, `reaction_groups`, `latest_reactions` (newest first) and
//! `own_reactions` — the last only for a viewer: events are encoded once for every recipient, so
//! they render with no viewer and carry `own_reactions: []` (the JS client keeps its own).

use super::views::user_json;
use herald_proto::message::{MessageRecord, ReactionRecord, LATEST_REACTIONS};
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Users by id, as looked up for rendering.
pub type UserIndex = HashMap<String, User>;

/// Every user a rendering of `messages` shows: authors, mentioned users, reacting users.
pub fn users_shown<'a>(messages: impl IntoIterator<Item = &'a MessageRecord>) -> Vec<String> {
    let mut ids = BTreeSet::new();
    for m in messages {
        ids.insert(m.user_id.clone());
        ids.extend(m.mentioned_users.iter().cloned());
        ids.extend(m.reactions.iter().map(|r| r.user_id.clone()));
    }
    ids.into_iter().collect()
}

fn user_of(id: &str, users: &UserIndex) -> Value {
    users.get(id).map(user_json).unwrap_or_else(|| json!({"id": id}))
}

/// A reaction (`ReactionResponse`), custom fields flattened.
pub fn reaction_json(message_id: &str, r: &ReactionRecord, users: &UserIndex) -> Value {
    let mut obj = r.custom.clone();
    obj.insert("message_id".into(), message_id.into());
    obj.insert("user_id".into(), r.user_id.clone().into());
    obj.insert("user".into(), user_of(&r.user_id, users));
    obj.insert("type".into(), r.kind.clone().into());
    obj.insert("score".into(), r.score.into());
    obj.insert("created_at".into(), r.created_at.clone().into());
    obj.insert("updated_at".into(), r.updated_at.clone().into());
    Value::Object(obj)
}

/// A message's reactions, newest first (the record keeps them in order of their last change).
pub fn reactions_newest_first(m: &MessageRecord) -> impl Iterator<Item = &ReactionRecord> {
    m.reactions.iter().rev()
}

/// A message as `viewer` sees it (None: as events carry it, with `own_reactions: []`).
pub fn message_json(m: &MessageRecord, users: &UserIndex, viewer: Option<&str>) -> Value {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut scores: BTreeMap<&str, u64> = BTreeMap::new();
    let mut groups: BTreeMap<&str, JsonMap> = BTreeMap::new();
    for r in &m.reactions {
        *counts.entry(&r.kind).or_default() += 1;
        *scores.entry(&r.kind).or_default() += u64::from(r.score);
        let group = groups.entry(&r.kind).or_insert_with(|| {
            let mut g = JsonMap::new();
            g.insert("first_reaction_at".into(), r.created_at.clone().into());
            g.insert("last_reaction_at".into(), r.created_at.clone().into());
            g
        });
        if group.get("first_reaction_at").and_then(Value::as_str).is_some_and(|f| r.created_at.as_str() < f) {
            group.insert("first_reaction_at".into(), r.created_at.clone().into());
        }
        if group.get("last_reaction_at").and_then(Value::as_str).is_some_and(|l| r.created_at.as_str() > l) {
            group.insert("last_reaction_at".into(), r.created_at.clone().into());
        }
    }
    for (kind, group) in &mut groups {
        group.insert("count".into(), counts[kind].into());
        group.insert("sum_scores".into(), scores[kind].into());
    }
    let latest: Vec<Value> = reactions_newest_first(m).take(LATEST_REACTIONS).map(|r| reaction_json(&m.id, r, users)).collect();
    let own: Vec<Value> = match viewer {
        Some(v) => reactions_newest_first(m).filter(|r| r.user_id == v).map(|r| reaction_json(&m.id, r, users)).collect(),
        None => Vec::new(),
    };
    let mentioned: Vec<Value> = m.mentioned_users.iter().map(|id| user_of(id, users)).collect();
    let mut obj = m.custom.clone();
    obj.insert("id".into(), m.id.clone().into());
    obj.insert("text".into(), m.text.clone().into());
    obj.insert("type".into(), m.kind.clone().into());
    obj.insert("cid".into(), m.cid.clone().into());
    obj.insert("user".into(), user_of(&m.user_id, users));
    obj.insert("created_at".into(), m.created_at.clone().into());
    obj.insert("updated_at".into(), m.updated_at.clone().into());
    if let Some(deleted_at) = &m.deleted_at {
        obj.insert("deleted_at".into(), deleted_at.clone().into());
    }
    obj.insert("attachments".into(), m.attachments.clone().into());
    obj.insert("mentioned_users".into(), mentioned.into());
    obj.insert("latest_reactions".into(), latest.into());
    obj.insert("own_reactions".into(), own.into());
    obj.insert("reaction_counts".into(), json!(counts));
    obj.insert("reaction_scores".into(), json!(scores));
    obj.insert("reaction_groups".into(), json!(groups));
    obj.insert("reply_count".into(), 0.into());
    obj.insert("deleted_reply_count".into(), 0.into());
    obj.insert("silent".into(), m.silent.into());
    obj.insert("pinned".into(), false.into());
    obj.insert("pinned_at".into(), Value::Null);
    obj.insert("pinned_by".into(), Value::Null);
    obj.insert("pin_expires".into(), Value::Null);
    obj.insert("shadowed".into(), false.into());
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_proto::message::MessageInput;

    fn reaction(user: &str, kind: &str, score: u32, at: &str) -> ReactionRecord {
        ReactionRecord {
            user_id: user.into(),
            kind: kind.into(),
            score,
            created_at: at.into(),
            updated_at: at.into(),
            custom: Default::default(),
        }
    }

    #[test]
    fn reaction_fields_are_derived_from_the_reactions() {
        let custom = [("color".to_string(), Value::from("red"))].into_iter().collect();
        let input = MessageInput { text: Some("hi".into()), custom, ..Default::default() };
        let mut m = MessageRecord::posted("m".into(), "messaging:c", "regular", "alice", "t0", input);
        m.mentioned_users = vec!["bob".into()];
        m.reactions = vec![reaction("bob", "like", 1, "t1"), reaction("carol", "like", 2, "t2"), reaction("bob", "love", 1, "t3")];
        let as_bob = message_json(&m, &UserIndex::new(), Some("bob"));
        assert_eq!(as_bob["reaction_counts"], json!({"like": 2, "love": 1}));
        assert_eq!(as_bob["reaction_scores"], json!({"like": 3, "love": 1}));
        assert_eq!(
            as_bob["reaction_groups"]["like"],
            json!({"count": 2, "sum_scores": 3, "first_reaction_at": "t1", "last_reaction_at": "t2"})
        );
        assert_eq!(as_bob["latest_reactions"][0]["type"], "love", "newest first");
        assert_eq!(as_bob["own_reactions"].as_array().unwrap().len(), 2);
        assert_eq!(as_bob["mentioned_users"], json!([{"id": "bob"}]));
        assert_eq!(as_bob["color"], "red");
        let for_event = message_json(&m, &UserIndex::new(), None);
        assert_eq!(for_event["own_reactions"], json!([]));
        assert_eq!(users_shown([&m]), ["alice", "bob", "carol"]);
    }
}
