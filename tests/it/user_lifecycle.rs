//! User lifecycle: deactivate (connections told, then closed; new ones refused), reactivate
//! (messages restored), delete (soft / hard, conversation channels), bulk calls as tasks;
//! user.messages.deleted to watchers of the channels involved and to the user's connections;
//! user.updated to followers and the user, never to others.

use crate::support::*;
use serde_json::json;

/// alice and bob share a room; bob posted twice; carol watches the room with presence (a
/// follower of bob), dave is a member who does not watch.
struct Setup {
    node: TestNode,
    cid: String,
    alice: String,
    bob: String,
    carol: String,
    dave: String,
    msgs: Vec<String>,
}

async fn setup() -> Setup {
    let node = spawn_node().await;
    let (alice, bob, carol, dave) = (uid("alice"), uid("bob"), uid("carol"), uid("dave"));
    let (_, cid) = node.messaging_room(&[&alice, &bob, &carol, &dave]).await;
    let mut msgs = Vec::new();
    for text in ["one", "two"] {
        msgs.push(node.post_text(&cid, &bob, text).await["id"].as_str().unwrap().to_owned());
    }
    node.post_text(&cid, &alice, "alice's").await;
    Setup { node, cid, alice, bob, carol, dave, msgs }
}

#[actix_web::test]
async fn deactivate_tells_then_closes_and_refuses_and_reactivate_restores() {
    let Setup { node, cid, alice, bob, carol, dave, msgs } = setup().await;
    let mut c = node.connect(&carol).await;
    node.watch(&c, &carol, &cid, true).await;
    let mut d_idle = node.connect(&dave).await;
    let mut b1 = node.connect(&bob).await;
    let mut b2 = node.connect(&bob).await;

    let r = node
        .server("POST", &format!("/users/{bob}/deactivate"), Some(json!({"mark_messages_deleted": true, "created_by_id": alice})))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["user"]["id"], bob.as_str());
    assert!(r.body["user"]["deactivated_at"].as_str().is_some(), "{}", r.body);

    // the watcher: user.messages.deleted for the room, then user.deactivated (a presence follower)
    let ev = c.event("user.messages.deleted").await;
    assert_eq!(ev["cid"], cid.as_str());
    assert_eq!(ev["user"]["id"], bob.as_str());
    assert_eq!((ev["soft_delete"].clone(), ev["hard_delete"].clone()), (json!(true), json!(false)));
    let ev = c.event("user.deactivated").await;
    assert_eq!(ev["user"]["id"], bob.as_str());
    assert_eq!(ev["created_by_id"], alice.as_str());
    // bob's connections: user.messages.deleted (no cid), user.deactivated, then close 1000
    for ws in [&mut b1, &mut b2] {
        let ev = ws.event("user.messages.deleted").await;
        assert!(ev.get("cid").is_none(), "{ev}");
        ws.event("user.deactivated").await;
        assert_eq!(ws.closed().await, Some(1000));
    }
    // dave neither watches nor follows bob
    let mark = node.user_barrier(&dave).await;
    d_idle.assert_none_before(&mark, &["user.messages.deleted", "user.deactivated"]).await;
    for id in &msgs {
        let r = node.server("GET", &format!("/messages/{id}"), None).await;
        assert_eq!(r.body["message"]["type"], "deleted", "{}", r.body);
    }
    // a deactivated user cannot connect
    let mut refused = node.connect_raw(&bob, &node.user_token(&bob), json!({"user_id": bob, "user_details": {"id": bob}})).await;
    let frame = refused.next_json().await.expect("error frame");
    assert_eq!(frame["error"]["code"], 17, "{frame}");
    assert_eq!(refused.closed().await, Some(1000));
    // nor act through REST with its token
    let (kind, room) = cid.split_once(':').unwrap();
    let r = node.as_user(&bob, "POST", &format!("/channels/{kind}/{room}/message"), Some(json!({"message": {"text": "ghost"}}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (403, json!(17)), "{}", r.body);

    let r = node.server("POST", &format!("/users/{bob}/reactivate"), Some(json!({"restore_messages": true, "created_by_id": alice}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body["user"].get("deactivated_at").is_none(), "{}", r.body);
    let ev = c.event("user.reactivated").await;
    assert_eq!(ev["user"]["id"], bob.as_str());
    assert_eq!(ev["created_by"]["id"], alice.as_str());
    let mark = node.user_barrier(&dave).await;
    d_idle.assert_none_before(&mark, &["user.reactivated"]).await;
    for id in &msgs {
        let r = node.server("GET", &format!("/messages/{id}"), None).await;
        assert_eq!(r.body["message"]["type"], "regular", "restored: {}", r.body);
    }
    let mut back = node.connect(&bob).await;
    back.assert_alive().await;
    // reactivating an active user is an input error
    let r = node.server("POST", &format!("/users/{bob}/reactivate"), None).await;
    assert_eq!((r.status, r.body["code"].clone()), (400, json!(4)), "{}", r.body);
    for ws in [c, d_idle, back] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn hard_delete_removes_messages_and_conversation_channels() {
    let Setup { node, cid, alice, bob, carol, dave, msgs } = setup().await;
    let (_, pair) = node.messaging_room(&[&alice, &bob]).await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &pair, false).await;
    let mut c = node.connect(&carol).await;
    node.watch(&c, &carol, &cid, true).await;
    let mut d_idle = node.connect(&dave).await;
    let mut b = node.connect(&bob).await;

    let path = format!("/users/{bob}?hard_delete=true&delete_conversation_channels=true");
    let r = node.server("DELETE", &path, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["user"]["deleted_at"].as_str().is_some(), "{}", r.body);
    let ev = c.event("user.messages.deleted").await;
    assert_eq!((ev["cid"].clone(), ev["hard_delete"].clone()), (json!(cid), json!(true)));
    let ev = c.event("user.deleted").await;
    assert_eq!(ev["user"]["id"], bob.as_str());
    assert_eq!(ev["hard_delete"], true);
    let ev = a.event("channel.deleted").await;
    assert_eq!(ev["cid"], pair.as_str(), "the 1:1 conversation went with bob");
    let ev = b.event("user.deleted").await;
    assert_eq!(ev["user"]["id"], bob.as_str());
    assert_eq!(b.closed().await, Some(1000));
    let mark = node.user_barrier(&dave).await;
    d_idle.assert_none_before(&mark, &["user.deleted", "user.messages.deleted"]).await;
    for id in &msgs {
        let r = node.server("GET", &format!("/messages/{id}"), None).await;
        assert_eq!(r.status, 404, "hard deleted: {}", r.body);
    }
    let (kind, id) = cid.split_once(':').unwrap();
    let r = node.server("POST", &format!("/channels/{kind}/{id}/query"), Some(json!({"state": true}))).await;
    assert_eq!(r.status, 201, "the group channel stays: {}", r.body);
    let mut refused = node.connect_raw(&bob, &node.user_token(&bob), json!({"user_id": bob, "user_details": {"id": bob}})).await;
    assert_eq!(refused.next_json().await.expect("error frame")["error"]["code"], 17);
    for ws in [a, c, d_idle] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn bulk_calls_are_tasks_visible_by_id() {
    let Setup { node, bob, carol, msgs, .. } = setup().await;
    let r = node.server("POST", "/users/deactivate", Some(json!({"user_ids": [bob, carol]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let task = node.server("GET", &format!("/tasks/{}", r.body["task_id"].as_str().unwrap()), None).await;
    assert_eq!(task.body["status"], "completed", "{}", task.body);
    assert_eq!(task.body["result"][&bob]["status"], "ok", "{}", task.body);
    let r = node.server("POST", "/users/reactivate", Some(json!({"user_ids": [bob, carol]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = node.server("POST", "/users/delete", Some(json!({"user_ids": [bob, uid("nobody")], "user": "soft", "messages": "soft"}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let task = node.server("GET", &format!("/tasks/{}", r.body["task_id"].as_str().unwrap()), None).await;
    assert_eq!(task.body["result"][&bob]["status"], "ok", "{}", task.body);
    assert_eq!(task.body["result"].as_object().unwrap().values().filter(|v| v["status"] == "error").count(), 1, "{}", task.body);
    let r = node.server("GET", &format!("/messages/{}", msgs[0]), None).await;
    assert_eq!(r.body["message"]["type"], "deleted", "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn lifecycle_calls_need_a_server_token_or_an_admin() {
    let Setup { node, alice, bob, .. } = setup().await;
    let code = |r: &Reply| (r.status, r.body["code"].as_i64().unwrap_or(0));
    for (method, path) in [
        ("POST", format!("/users/{bob}/deactivate")),
        ("POST", format!("/users/{bob}/reactivate")),
        ("DELETE", format!("/users/{bob}")),
        ("POST", "/users/delete".to_owned()),
    ] {
        let r = node.as_user(&alice, method, &path, Some(json!({"user_ids": [bob]}))).await;
        assert_eq!(code(&r), (403, 17), "{method} {path}: {}", r.body);
    }
    let r = node.server("POST", &format!("/users/{}/deactivate", uid("nobody")), None).await;
    assert_eq!(code(&r), (404, 16), "{}", r.body);
    let r = node.server("POST", "/users/delete", Some(json!({"user_ids": []}))).await;
    assert_eq!(code(&r), (400, 4), "{}", r.body);
    // an admin user may
    let r = node.server("PATCH", "/users", Some(json!({"users": [{"id": alice, "set": {"role": "admin"}}]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = node.as_user(&alice, "POST", &format!("/users/{bob}/deactivate"), None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn user_updated_reaches_followers_and_the_user_not_strangers() {
    let Setup { node, cid, bob, carol, dave, .. } = setup().await;
    let mut c = node.connect(&carol).await;
    node.watch(&c, &carol, &cid, true).await;
    let mut d = node.connect(&dave).await;
    node.watch(&d, &dave, &cid, false).await; // watches, but without presence
    let mut b = node.connect(&bob).await;
    let r = node.server("POST", "/users", Some(json!({"users": {bob.clone(): {"id": bob, "name": "Robert"}}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut c, &mut b] {
        let ev = ws.wait_for("user.updated", |e| e["user"]["id"] == bob.as_str()).await;
        assert_eq!(ev["user"]["name"], "Robert");
    }
    let mark = node.user_barrier(&dave).await;
    d.assert_none_before(&mark, &["user.updated"]).await;
    for ws in [b, c, d] {
        ws.close().await;
    }
    node.stop().await;
}
