//! Moderation across nodes: user.banned to watchers and the banned user on different nodes, the
//! ban enforced by every node; a deactivation closes the user's connections on every node; a due
//! reminder fires exactly once with three nodes polling.

use super::Cluster;
use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn user_banned_reaches_recipients_on_every_node_and_every_node_enforces_it() {
    let cluster = Cluster::start(3).await;
    let [n0, n1, n2] = [&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]];
    let (alice, bob, carol, dave) = (uid("alice"), uid("bob"), uid("carol"), uid("dave"));
    let (id, cid) = n0.messaging_room(&[&alice, &bob, &carol, &dave]).await;
    let mut a = n0.connect(&alice).await;
    n0.watch(&a, &alice, &cid, false).await;
    let mut c = n1.connect(&carol).await;
    n1.watch(&c, &carol, &cid, false).await;
    let mut b_idle = n2.connect(&bob).await; // the banned user, on node 2, not watching
    let mut d_idle = n1.connect(&dave).await; // a member on node 1, not watching

    // banned through node 1 by alice (the channel's creator)
    let body = json!({"target_user_id": bob, "type": "messaging", "id": id, "reason": "spam"});
    let r = n1.as_user(&alice, "POST", "/moderation/ban", Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut a, &mut c, &mut b_idle] {
        let ev = ws.event("user.banned").await;
        assert_eq!(ev["user"]["id"], bob.as_str());
        assert_eq!(ev["cid"], cid.as_str());
        assert_eq!(ev["reason"], "spam");
    }
    let mark = n0.user_barrier(&dave).await;
    d_idle.assert_none_before(&mark, &["user.banned"]).await;
    for node in [n0, n1, n2] {
        let r = node.send_message(&cid, &bob, json!({"text": "let me"})).await;
        assert_eq!((r.status, r.body["code"].clone()), (403, json!(17)), "{}", r.body);
    }
    let r = n2.server("DELETE", &format!("/moderation/ban?target_user_id={bob}&type=messaging&id={id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for ws in [&mut a, &mut c, &mut b_idle] {
        ws.event("user.unbanned").await;
    }
    n0.post_text(&cid, &bob, "back").await;
    for ws in [a, c, b_idle, d_idle] {
        ws.close().await;
    }
    cluster.stop().await;
}

#[actix_web::test]
async fn deactivation_closes_the_users_connections_on_every_node() {
    let cluster = Cluster::start(3).await;
    let [n0, n1, n2] = [&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]];
    let bob = uid("bob");
    n0.upsert_users(&[&bob]).await;
    let mut b0 = n0.connect(&bob).await;
    let mut b1 = n1.connect(&bob).await;
    let r = n2.server("POST", &format!("/users/{bob}/deactivate"), None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut b0, &mut b1] {
        ws.event("user.deactivated").await;
        assert_eq!(ws.closed().await, Some(1000));
    }
    let mut refused = n0.connect_raw(&bob, &n0.user_token(&bob), json!({"user_id": bob, "user_details": {"id": bob}})).await;
    assert_eq!(refused.next_json().await.expect("error frame")["error"]["code"], 17);
    cluster.stop().await;
}

#[actix_web::test]
async fn a_due_reminder_fires_exactly_once_with_three_nodes() {
    let cluster = Cluster::start(3).await;
    let [n0, n1, n2] = [&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]];
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = n0.messaging_room(&[&alice, &bob]).await;
    let first = n0.post_text(&cid, &bob, "first").await["id"].as_str().unwrap().to_owned();
    let second = n0.post_text(&cid, &bob, "second").await["id"].as_str().unwrap().to_owned();
    let mut a0 = n0.connect(&alice).await;
    let mut a2 = n2.connect(&alice).await;
    // created through different nodes; every node polls the schedule
    let at = |ms| crate::reminders::in_ms(ms);
    let r = n1.server("POST", &format!("/messages/{first}/reminders"), Some(json!({"user_id": alice, "remind_at": at(400)}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = n2.server("POST", &format!("/messages/{second}/reminders"), Some(json!({"user_id": alice, "remind_at": at(1_600)}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut a0, &mut a2] {
        let ev = ws.event("notification.reminder_due").await;
        assert_eq!(ev["message_id"], first.as_str());
        // by the time the second is due every node has polled several times: no second copy
        loop {
            let ev = ws.event("notification.reminder_due").await;
            assert_ne!(ev["message_id"], first.as_str(), "fired twice: {ev}");
            if ev["message_id"] == second.as_str() {
                break;
            }
        }
    }
    for ws in [a0, a2] {
        ws.close().await;
    }
    cluster.stop().await;
}
