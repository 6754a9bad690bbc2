//! user.presence.changed: online on a user's first connection, offline on the last, to
//! connections that asked for presence; user.updated to the same audience.

use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn presence_follows_first_and_last_connection() {
    let node = spawn_node().await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    node.upsert_users(&[&alice, &bob, &carol]).await;
    let id = uid("room");
    let cid = format!("messaging:{id}");
    node.create_channel("messaging", &id, &[&alice, &bob, &carol]).await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, true).await;
    let mut c = node.connect(&carol).await; // watches without presence
    node.watch(&c, &carol, &cid, false).await;

    let b1 = node.connect(&bob).await;
    let ev = a.wait_for("user.presence.changed", |e| e["user"]["id"] == bob.as_str()).await;
    assert_eq!(ev["user"]["online"], true);
    assert!(ev.get("cid").is_none());
    let b2 = node.connect(&bob).await; // second connection: no event
    b1.close().await; // not the last: no event
    b2.close().await; // last: offline
    let ev = a.wait_for("user.presence.changed", |e| e["user"]["id"] == bob.as_str()).await;
    assert_eq!(ev["user"]["online"], false);
    assert!(ev["user"]["last_active"].is_string());
    // nothing else about bob reached alice between the two (checked by the order above), and
    // carol, who did not ask for presence, got neither
    let mark = node.channel_barrier(&cid, &alice).await;
    c.assert_none_before(&mark, &["user.presence.changed"]).await;
    let mark = node.channel_barrier(&cid, &alice).await;
    a.assert_none_before(&mark, &["user.presence.changed"]).await;
    a.close().await;
    c.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn user_updates_reach_presence_followers_and_the_user() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let id = uid("room");
    node.create_channel("messaging", &id, &[&alice, &bob]).await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &format!("messaging:{id}"), true).await;
    let mut b = node.connect(&bob).await;
    let r = node.server("PATCH", "/users", Some(json!({"users": [{"id": bob, "set": {"mood": "happy"}}]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["users"][&bob]["mood"], "happy");
    for ws in [&mut a, &mut b] {
        let ev = ws.wait_for("user.updated", |e| e["user"]["id"] == bob.as_str()).await;
        assert_eq!(ev["user"]["mood"], "happy");
    }
    a.close().await;
    b.close().await;
    node.stop().await;
}
