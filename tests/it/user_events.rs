//! Custom events to a user: server only, unknown user 404/16, dotted type 400/4, 5 KB cap,
//! delivered to every connection of that user and to no one else.

use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn delivered_to_every_connection_of_the_user_only() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let mut a1 = node.connect(&alice).await;
    let mut a2 = node.connect(&alice).await;
    let mut b = node.connect(&bob).await;
    let r =
        node.server("POST", &format!("/users/{alice}/event"), Some(json!({"event": {"type": "friendship_request", "text": "hi"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut a1, &mut a2] {
        let ev = ws.event("friendship_request").await;
        assert_eq!(ev["text"], "hi");
        assert!(ev["created_at"].is_string());
    }
    let mark = node.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["friendship_request"]).await;
    for ws in [a1, a2, b] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn user_event_rules() {
    let node = spawn_node().await;
    let alice = uid("alice");
    node.upsert_users(&[&alice]).await;
    let path = format!("/users/{alice}/event");
    let r = node.server("POST", &format!("/users/{}/event", uid("ghost")), Some(json!({"event": {"type": "x"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)), "{}", r.body);
    let r = node.server("POST", &path, Some(json!({"event": {"type": "friend.request"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    let r = node.server("POST", &path, Some(json!({"event": {"text": "no type"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    let r = node.server("POST", &path, Some(json!({"event": {"type": "big", "data": "x".repeat(6000)}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (413, Some(22)), "{}", r.body);
    let r = node.as_user(&alice, "POST", &path, Some(json!({"event": {"type": "x"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    node.stop().await;
}
