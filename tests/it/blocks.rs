//! User blocks: `POST /users/block`, `POST /users/unblock`, `GET /users/block` (Stream's paths
//! and bodies). The blocker stops seeing the blocked user's messages in channel queries; the
//! blocker's own connections get `user.blocked` / `user.unblocked`, the blocked user nothing.

use crate::support::*;
use serde_json::{json, Value};

fn texts(state: &Value) -> Vec<String> {
    state["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_owned()).collect()
}

async fn query_as(node: &TestNode, user: &str, cid: &str) -> Value {
    let (kind, id) = cid.split_once(':').unwrap();
    let r = node.as_user(user, "POST", &format!("/channels/{kind}/{id}/query"), Some(json!({"state": true}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

#[actix_web::test]
async fn blocking_hides_messages_from_the_blocker_and_tells_only_the_blocker() {
    let node = spawn_node().await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (_, cid) = node.messaging_room(&[&alice, &bob, &carol]).await;
    node.post_text(&cid, &bob, "from bob").await;
    node.post_text(&cid, &carol, "from carol").await;
    let mut a = node.connect(&alice).await;
    let mut b = node.connect(&bob).await;

    let r = node.as_user(&alice, "POST", "/users/block", Some(json!({"blocked_user_id": bob}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["blocked_by_user_id"], alice.as_str());
    assert_eq!(r.body["blocked_user_id"], bob.as_str());
    let ev = a.event("user.blocked").await;
    assert_eq!(ev["user"]["id"], alice.as_str());
    assert_eq!(ev["blocked_user"]["id"], bob.as_str());
    let mark = node.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["user.blocked"]).await;

    assert_eq!(texts(&query_as(&node, &alice, &cid).await), vec!["from carol"], "bob's messages hidden from alice");
    assert_eq!(texts(&query_as(&node, &carol, &cid).await), vec!["from bob", "from carol"], "others still see them");
    let r = node.as_user(&alice, "GET", "/users/block", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["blocks"][0]["blocked_user_id"], bob.as_str());
    assert_eq!(r.body["blocks"][0]["blocked_user"]["id"], bob.as_str());
    // blocking twice: same block, no second event
    let r = node.server("POST", "/users/block", Some(json!({"blocked_user_id": bob, "user_id": alice}))).await;
    assert_eq!(r.status, 201, "{}", r.body);

    let r = node.server("POST", "/users/unblock", Some(json!({"blocked_user_id": bob, "user_id": alice}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ev = a.event("user.unblocked").await; // not a second user.blocked first
    assert_eq!(ev["blocked_user"]["id"], bob.as_str());
    let mark = node.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["user.unblocked", "user.blocked"]).await;
    assert_eq!(texts(&query_as(&node, &alice, &cid).await), vec!["from bob", "from carol"]);
    let r = node.server("GET", &format!("/users/block?user_id={alice}"), None).await;
    assert_eq!(r.body["blocks"], json!([]));
    node.stop().await;
}

#[actix_web::test]
async fn block_input_errors_are_clear() {
    let node = spawn_node().await;
    let alice = uid("alice");
    node.upsert_users(&[&alice]).await;
    let cases = [
        (node.server("POST", "/users/block", Some(json!({"blocked_user_id": alice}))).await, 400),
        (node.as_user(&alice, "POST", "/users/block", Some(json!({"blocked_user_id": alice}))).await, 400),
        (node.as_user(&alice, "POST", "/users/block", Some(json!({}))).await, 400),
        (node.as_user(&alice, "POST", "/users/block", Some(json!({"blocked_user_id": uid("ghost")}))).await, 404),
        (node.as_user(&alice, "POST", "/users/block", Some(json!({"blocked_user_id": "x", "user_id": uid("other")}))).await, 403),
    ];
    for (r, status) in cases {
        assert_eq!(r.status, status, "{}", r.body);
        assert!(r.body["code"].is_number(), "{}", r.body);
    }
    node.stop().await;
}
