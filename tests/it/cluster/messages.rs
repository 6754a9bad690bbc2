//! Messages and reactions across nodes: message.new to watchers on every node,
//! notification.message_new to a member's connection on another node, reaction.new everywhere,
//! and concurrent reactions and edits from every node on one message, none lost.

use super::Cluster;
use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn messages_and_reactions_reach_recipients_on_every_node() {
    let cluster = Cluster::start(3).await;
    let [n0, n1, n2] = [&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]];
    let (alice, bob, carol, dave) = (uid("alice"), uid("bob"), uid("carol"), uid("dave"));
    let (_, cid) = n0.messaging_room(&[&alice, &bob, &carol]).await;
    n0.upsert_users(&[&dave]).await;
    let mut a = n0.connect(&alice).await;
    n0.watch(&a, &alice, &cid, false).await;
    let mut b = n1.connect(&bob).await;
    n1.watch(&b, &bob, &cid, false).await;
    let mut c_idle = n2.connect(&carol).await; // a member on node 2, not watching
    let mut d = n1.connect(&dave).await; // not a member

    // sent through node 2 by alice's token
    let (kind, id) = cid.split_once(':').unwrap();
    let r = n2.as_user(&alice, "POST", &format!("/channels/{kind}/{id}/message"), Some(json!({"message": {"text": "across"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let msg = r.body["message"]["id"].as_str().unwrap().to_owned();
    for ws in [&mut a, &mut b] {
        let ev = ws.event("message.new").await;
        assert_eq!(ev["message"]["id"], msg.as_str());
        assert_eq!(ev["watcher_count"], 2, "watchers counted over every node");
    }
    let note = c_idle.event("notification.message_new").await;
    assert_eq!(note["message"]["text"], "across");

    // bob reacts through node 0 (his socket is on node 1)
    let r = n0.as_user(&bob, "POST", &format!("/messages/{msg}/reaction"), Some(json!({"reaction": {"type": "like"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut a, &mut b] {
        let ev = ws.event("reaction.new").await;
        assert_eq!(ev["message"]["reaction_counts"], json!({"like": 1}));
        assert_eq!(ev["user"]["id"], bob.as_str());
    }
    // carol (not watching) gets no channel event; dave (no member) nothing at all
    let mark = n0.user_barrier(&carol).await;
    c_idle.assert_none_before(&mark, &["message.new", "reaction.new"]).await;
    let mark = n2.user_barrier(&dave).await;
    d.assert_none_before(&mark, &["message.new", "notification.message_new", "reaction.new"]).await;
    for ws in [a, b, c_idle, d] {
        ws.close().await;
    }
    cluster.stop().await;
}

#[actix_web::test]
async fn concurrent_reactions_and_edits_from_every_node_are_all_kept() {
    let cluster = Cluster::start(3).await;
    let nodes = &cluster.nodes;
    let alice = uid("alice");
    let fans: Vec<String> = (0..24).map(|i| uid(&format!("fan{i}"))).collect();
    let mut members: Vec<&str> = vec![&alice];
    members.extend(fans.iter().map(String::as_str));
    let (_, cid) = nodes[0].messaging_room(&members).await;
    let msg = nodes[1].post_text(&cid, &alice, "popular").await["id"].as_str().unwrap().to_owned();
    let reactions = fans.iter().enumerate().map(|(i, fan)| {
        let body = json!({"reaction": {"type": if i % 2 == 0 { "like" } else { "love" }}});
        let path = format!("/messages/{msg}/reaction");
        async move { nodes[i % 3].as_user(fan, "POST", &path, Some(body)).await }
    });
    let edits = (0..6).map(|i| {
        let body = json!({"set": {format!("edit{i}"): true}});
        let (path, alice) = (format!("/messages/{msg}"), &alice);
        async move { nodes[i % 3].as_user(alice, "PUT", &path, Some(body)).await }
    });
    let (reactions, edits) =
        futures_util::future::join(futures_util::future::join_all(reactions), futures_util::future::join_all(edits)).await;
    for r in reactions.iter().chain(edits.iter()) {
        assert!(r.status == 201 || r.status == 200, "{}", r.body);
    }
    let r = nodes[2].as_user(&alice, "GET", &format!("/messages/{msg}"), None).await;
    let m = &r.body["message"];
    assert_eq!(m["reaction_counts"], json!({"like": 12, "love": 12}), "no reaction lost: {m}");
    for i in 0..6 {
        assert_eq!(m[format!("edit{i}")], true, "no edit lost: {m}");
    }
    cluster.stop().await;
}
