//! Reactions: reaction.new / reaction.updated / reaction.deleted to watchers only, each carrying
//! the message with its counts and the reaction; counts, scores and latest reactions kept on the
//! message; the reaction list; permissions, frozen channels, bad input; concurrent reactions.

use crate::support::*;
use serde_json::{json, Value};

struct Setup {
    node: TestNode,
    id: String,
    cid: String,
    alice: String,
    bob: String,
    carol: String,
    /// alice's message in the channel.
    msg: String,
}

/// alice, bob and carol are members of a fresh messaging channel with one message of alice's.
async fn setup() -> Setup {
    let node = spawn_node().await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (id, cid) = node.messaging_room(&[&alice, &bob, &carol]).await;
    let msg = node.post_text(&cid, &alice, "react to me").await["id"].as_str().unwrap().to_owned();
    Setup { node, id, cid, alice, bob, carol, msg }
}

async fn react(node: &TestNode, user: &str, msg: &str, reaction: Value, enforce_unique: bool) -> Reply {
    let body = json!({"reaction": reaction, "enforce_unique": enforce_unique});
    node.as_user(user, "POST", &format!("/messages/{msg}/reaction"), Some(body)).await
}

#[actix_web::test]
async fn reaction_new_reaches_watchers_with_the_counts() {
    let Setup { node, cid, alice, bob, carol, msg, .. } = setup().await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b = node.connect(&bob).await;
    node.watch(&b, &bob, &cid, false).await;
    let mut c_idle = node.connect(&carol).await; // a member, not watching

    let r = react(&node, &bob, &msg, json!({"type": "like", "emoji": "+1"}), false).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["reaction"]["type"], "like");
    assert_eq!(r.body["reaction"]["user_id"], bob.as_str());
    assert_eq!(r.body["reaction"]["message_id"], msg.as_str());
    assert_eq!(r.body["reaction"]["emoji"], "+1");
    assert_eq!(r.body["message"]["own_reactions"][0]["type"], "like", "the response is the reacting user's view");
    for ws in [&mut a, &mut b] {
        let ev = ws.event("reaction.new").await;
        assert_eq!(ev["cid"], cid.as_str());
        assert_eq!(ev["user"]["id"], bob.as_str());
        assert_eq!(ev["reaction"]["type"], "like");
        assert_eq!(ev["reaction"]["user"]["id"], bob.as_str());
        assert_eq!(ev["message"]["id"], msg.as_str());
        assert_eq!(ev["message"]["reaction_counts"], json!({"like": 1}));
        assert_eq!(ev["message"]["reaction_scores"], json!({"like": 1}));
        assert_eq!(ev["message"]["latest_reactions"][0]["user_id"], bob.as_str());
        assert_eq!(ev["message"]["own_reactions"], json!([]), "encoded once: no per-recipient fields");
    }
    let mark = node.user_barrier(&carol).await;
    c_idle.assert_none_before(&mark, &["reaction.new"]).await;

    // a second reaction: counts and scores add up; latest newest first
    let r = react(&node, &carol, &msg, json!({"type": "like", "score": 4}), false).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ev = a.wait_for("reaction.new", |e| e["user"]["id"] == carol.as_str()).await;
    assert_eq!(ev["message"]["reaction_counts"], json!({"like": 2}));
    assert_eq!(ev["message"]["reaction_scores"], json!({"like": 5}));
    assert_eq!(ev["message"]["latest_reactions"][0]["user_id"], carol.as_str());
    let r = node.as_user(&alice, "GET", &format!("/messages/{msg}"), None).await;
    assert_eq!(r.body["message"]["reaction_counts"], json!({"like": 2}), "kept on the message");
    assert_eq!(r.body["message"]["own_reactions"], json!([]), "alice has none");
    for ws in [a, b, c_idle] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn enforce_unique_replaces_the_users_reaction_with_reaction_updated() {
    let Setup { node, cid, alice, bob, msg, .. } = setup().await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    react(&node, &bob, &msg, json!({"type": "like"}), false).await;
    react(&node, &bob, &msg, json!({"type": "wow"}), false).await;
    a.wait_for("reaction.new", |e| e["reaction"]["type"] == "wow").await;
    let r = react(&node, &bob, &msg, json!({"type": "love"}), true).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ev = a.event("reaction.updated").await;
    assert_eq!(ev["reaction"]["type"], "love");
    assert_eq!(ev["message"]["reaction_counts"], json!({"love": 1}));
    assert_eq!(ev["message"]["latest_reactions"].as_array().unwrap().len(), 1);
    // enforce_unique with no earlier reaction is a new one
    let r = react(&node, &alice, &msg, json!({"type": "love"}), true).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ev = a.wait_for("reaction.new", |e| e["user"]["id"] == alice.as_str()).await;
    assert_eq!(ev["message"]["reaction_counts"], json!({"love": 2}));
    a.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn deleting_a_reaction_sends_reaction_deleted() {
    let Setup { node, cid, alice, bob, carol, msg, .. } = setup().await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut c_idle = node.connect(&carol).await;
    react(&node, &bob, &msg, json!({"type": "like"}), false).await;
    react(&node, &bob, &msg, json!({"type": "sad"}), false).await;
    let r = node.as_user(&bob, "DELETE", &format!("/messages/{msg}/reaction/like"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["reaction"]["type"], "like");
    let ev = a.event("reaction.deleted").await;
    assert_eq!(ev["reaction"]["type"], "like");
    assert_eq!(ev["user"]["id"], bob.as_str());
    assert_eq!(ev["message"]["reaction_counts"], json!({"sad": 1}));
    let r = node.as_user(&bob, "DELETE", &format!("/messages/{msg}/reaction/like"), None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)), "already gone: {}", r.body);
    // server side names whose reaction
    let r = node.server("DELETE", &format!("/messages/{msg}/reaction/sad?user_id={bob}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(a.event("reaction.deleted").await["message"]["reaction_counts"], json!({}));
    let mark = node.user_barrier(&carol).await;
    c_idle.assert_none_before(&mark, &["reaction.deleted", "reaction.new"]).await;
    a.close().await;
    c_idle.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn reactions_are_listed_newest_first() {
    let Setup { node, alice, bob, carol, msg, .. } = setup().await;
    for (user, kind) in [(&alice, "like"), (&bob, "love"), (&carol, "haha")] {
        let r = react(&node, user, &msg, json!({"type": kind}), false).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = node.as_user(&bob, "GET", &format!("/messages/{msg}/reactions"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let kinds: Vec<&str> = r.body["reactions"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["haha", "love", "like"]);
    let r = node.as_user(&bob, "GET", &format!("/messages/{msg}/reactions?limit=1&offset=1"), None).await;
    assert_eq!(r.body["reactions"][0]["type"], "love");
    let r = node.as_user(&bob, "GET", &format!("/messages/{msg}/reactions?limit=lots"), None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn who_may_react_and_bad_input() {
    let Setup { node, id, alice, bob, msg, .. } = setup().await;
    let eve = uid("eve");
    node.upsert_users(&[&eve]).await;
    let r = react(&node, &eve, &msg, json!({"type": "like"}), false).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "non-members: {}", r.body);
    for (reaction, says) in
        [(json!({}), "reaction.type"), (json!({"type": "a/b"}), "reaction.type"), (json!({"type": "x", "score": "high"}), "score")]
    {
        let r = react(&node, &bob, &msg, reaction.clone(), false).await;
        assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{reaction}: {}", r.body);
        assert!(r.body["message"].as_str().unwrap().contains(says), "{reaction}: {}", r.body);
    }
    let r = node.as_user(&bob, "POST", &format!("/messages/{msg}/reaction"), Some(json!({"enforce_unique": true}))).await;
    assert_eq!(r.status, 400, "no reaction: {}", r.body);
    let r = react(&node, &bob, "no-such-message", json!({"type": "like"}), false).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)), "{}", r.body);
    let r = node.server("POST", &format!("/messages/{msg}/reaction"), Some(json!({"reaction": {"type": "like"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "the server names the user: {}", r.body);
    let r = node.server("POST", &format!("/messages/{msg}/reaction"), Some(json!({"reaction": {"type": "like", "user_id": bob}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = node.server("DELETE", &format!("/messages/{msg}/reaction/like"), None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "the server names whose reaction: {}", r.body);

    // frozen: members may not react; the creator (a moderator) may
    node.server("PATCH", &format!("/channels/messaging/{id}"), Some(json!({"set": {"frozen": true}}))).await;
    let r = react(&node, &bob, &msg, json!({"type": "wow"}), false).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("frozen"));
    let r = react(&node, &alice, &msg, json!({"type": "wow"}), false).await;
    assert_eq!(r.status, 201, "{}", r.body);
    node.server("PATCH", &format!("/channels/messaging/{id}"), Some(json!({"set": {"frozen": false}}))).await;

    // a deleted message takes no reactions
    node.as_user(&alice, "DELETE", &format!("/messages/{msg}"), None).await;
    let r = react(&node, &bob, &msg, json!({"type": "like"}), false).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn a_channel_type_can_switch_reactions_off() {
    let node = spawn_node().await;
    let kind = uid("calm").replace('-', "_");
    let r = node.server("POST", "/channeltypes", Some(json!({"name": kind, "reactions": false}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let alice = uid("alice");
    node.upsert_users(&[&alice]).await;
    node.create_channel(&kind, "room", &[&alice]).await;
    let msg = node.post_text(&format!("{kind}:room"), &alice, "hi").await["id"].as_str().unwrap().to_owned();
    let r = react(&node, &alice, &msg, json!({"type": "like"}), false).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(19)), "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn concurrent_reactions_and_edits_are_all_kept() {
    let Setup { node, cid, alice, msg, .. } = setup().await;
    let users: Vec<String> = (0..16).map(|i| uid(&format!("fan{i}"))).collect();
    let ids: Vec<&str> = users.iter().map(String::as_str).collect();
    node.upsert_users(&ids).await;
    let (_, channel) = cid.split_once(':').unwrap();
    let r = node.server("POST", &format!("/channels/messaging/{channel}"), Some(json!({"add_members": users}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let reactions = users.iter().map(|u| react(&node, u, &msg, json!({"type": "like"}), false));
    let edits = (0..4).map(|i| {
        let (node, alice, path) = (&node, &alice, format!("/messages/{msg}"));
        async move { node.as_user(alice, "PUT", &path, Some(json!({"set": {"text": format!("edit {i}")}}))).await }
    });
    let (reactions, edits) =
        futures_util::future::join(futures_util::future::join_all(reactions), futures_util::future::join_all(edits)).await;
    assert!(reactions.iter().all(|r| r.status == 201), "{:?}", reactions.iter().map(|r| &r.body).collect::<Vec<_>>());
    assert!(edits.iter().all(|r| r.status == 200));
    let r = node.as_user(&alice, "GET", &format!("/messages/{msg}"), None).await;
    assert_eq!(r.body["message"]["reaction_counts"], json!({"like": 16}), "no reaction lost to a concurrent write");
    assert!(r.body["message"]["text"].as_str().unwrap().starts_with("edit "), "{}", r.body);
    node.stop().await;
}
