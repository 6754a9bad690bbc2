//! Channel custom and typing events: REST (client and server forms) and native socket frames,
//! delivered to every watcher including the sender's own watching connections, and the rules:
//! only readers may send (403/17), custom_events:false refuses (400/19), 5 KB cap (413/22),
//! clients may not forge built-in types (400/4).

use crate::support::*;
use serde_json::json;

struct Room {
    node: TestNode,
    cid: String,
    alice: String,
    bob: String,
}

async fn room(kind: &str) -> Room {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let id = uid("room");
    node.create_channel(kind, &id, &[&alice, &bob]).await;
    Room { node, cid: format!("{kind}:{id}"), alice, bob }
}

#[actix_web::test]
async fn rest_custom_event_reaches_every_watcher_including_the_sender() {
    let Room { node, cid, alice, bob } = room("messaging").await;
    let mut a = node.connect(&alice).await;
    let mut b = node.connect(&bob).await;
    node.watch(&a, &alice, &cid, false).await;
    node.watch(&b, &bob, &cid, false).await;
    let (kind, id) = cid.split_once(':').unwrap();
    let r = node
        .as_user(
            &alice,
            "POST",
            &format!("/channels/{kind}/{id}/event"),
            Some(json!({"event": {"type": "friendship_request", "text": "hey"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["event"]["user"]["id"], alice.as_str());
    for ws in [&mut a, &mut b] {
        let ev = ws.event("friendship_request").await;
        assert_eq!(ev["text"], "hey");
        assert_eq!(ev["cid"], cid.as_str());
        assert_eq!(ev["channel_type"], kind);
        assert_eq!(ev["channel_id"], id);
        assert_eq!(ev["user"]["id"], alice.as_str());
        assert!(ev["created_at"].is_string());
    }
    a.close().await;
    b.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn only_watchers_receive_channel_events() {
    let Room { node, cid, alice, bob } = room("messaging").await;
    let mut a = node.connect(&alice).await;
    let mut b_not_watching = node.connect(&bob).await;
    node.watch(&a, &alice, &cid, false).await;
    // bob follows a second channel so a barrier can reach his socket
    let other = uid("other");
    node.create_channel("messaging", &other, &[&bob]).await;
    node.watch(&b_not_watching, &bob, &format!("messaging:{other}"), false).await;
    node.channel_event(&cid, &alice, json!({"type": "secret"})).await;
    a.event("secret").await;
    let mark = node.channel_barrier(&format!("messaging:{other}"), &bob).await;
    b_not_watching.assert_none_before(&mark, &["secret"]).await;
    a.close().await;
    b_not_watching.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn server_side_events_name_their_user_either_way() {
    let Room { node, cid, alice, bob } = room("messaging").await;
    let mut b = node.connect(&bob).await;
    node.watch(&b, &bob, &cid, false).await;
    let (kind, id) = cid.split_once(':').unwrap();
    let path = format!("/channels/{kind}/{id}/event");
    let r = node.server("POST", &path, Some(json!({"event": {"type": "typing.start", "user": {"id": alice}}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(b.event("typing.start").await["user"]["id"], alice.as_str());
    let r = node.server("POST", &path, Some(json!({"event": {"type": "typing.stop", "user_id": alice}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(b.event("typing.stop").await["user"]["id"], alice.as_str());
    let r = node.server("POST", &path, Some(json!({"event": {"type": "typing.start"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    b.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn native_socket_frames_publish_with_the_same_checks() {
    let Room { node, cid, alice, bob } = room("messaging").await;
    let mut a = node.connect(&alice).await;
    let mut b = node.connect(&bob).await;
    node.watch(&b, &bob, &cid, false).await;
    a.send_text(json!({"type": "friendship_request", "cid": cid, "text": "via socket", "user": {"id": "forged"}}).to_string()).await;
    let ev = b.event("friendship_request").await;
    assert_eq!(ev["text"], "via socket");
    assert_eq!(ev["user"]["id"], alice.as_str(), "the sender cannot forge user");
    // a non-member on a messaging channel: error frame 17, socket stays open
    let eve = uid("eve");
    let mut e = node.connect(&eve).await;
    e.send_text(json!({"type": "friendship_request", "cid": cid}).to_string()).await;
    let err = e.event("error").await;
    assert_eq!(err["error"]["code"], 17, "{err}");
    e.assert_alive().await;
    // a built-in type: error frame 4
    a.send_text(json!({"type": "message.new", "cid": cid}).to_string()).await;
    assert_eq!(a.event("error").await["error"]["code"], 4);
    // typing is allowed
    a.send_text(json!({"type": "typing.start", "cid": cid}).to_string()).await;
    assert_eq!(b.event("typing.start").await["user"]["id"], alice.as_str());
    // unknown channel: 404 code 16
    a.send_text(json!({"type": "x", "cid": "messaging:does-not-exist"}).to_string()).await;
    assert_eq!(a.event("error").await["error"]["code"], 16);
    for ws in [a, b, e] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn non_readers_get_403_code_17() {
    let Room { node, cid, .. } = room("messaging").await;
    let eve = uid("eve");
    node.upsert_users(&[&eve]).await;
    let (kind, id) = cid.split_once(':').unwrap();
    let r = node.as_user(&eve, "POST", &format!("/channels/{kind}/{id}/event"), Some(json!({"event": {"type": "hello"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    let r = node.as_user(&eve, "POST", &format!("/channels/{kind}/{id}/event"), Some(json!({"event": {"type": "typing.start"}}))).await;
    assert_eq!(r.status, 403, "typing needs read access too: {}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn anyone_may_send_to_a_livestream() {
    let Room { node, cid, alice, .. } = room("livestream").await;
    let eve = uid("eve");
    let mut a = node.connect(&alice).await;
    let mut e = node.connect(&eve).await;
    node.watch(&a, &alice, &cid, false).await;
    node.watch(&e, &eve, &cid, false).await;
    e.send_text(json!({"type": "cheer", "cid": cid}).to_string()).await;
    assert_eq!(a.event("cheer").await["user"]["id"], eve.as_str());
    a.close().await;
    e.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn custom_events_can_be_switched_off_per_type() {
    let node = spawn_node().await;
    let kind = uid("quiet").replace('-', "_");
    let r = node.server("POST", "/channeltypes", Some(json!({"name": kind, "custom_events": false}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["custom_events"], false);
    let alice = uid("alice");
    node.upsert_users(&[&alice]).await;
    node.create_channel(&kind, "room", &[&alice]).await;
    let path = format!("/channels/{kind}/room/event");
    let r = node.as_user(&alice, "POST", &path, Some(json!({"event": {"type": "ping"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(19)), "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("custom_events"));
    // typing still works on that type
    let r = node.as_user(&alice, "POST", &path, Some(json!({"event": {"type": "typing.start"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // and switching it back on lets custom events through
    let r = node.server("PUT", &format!("/channeltypes/{kind}"), Some(json!({"custom_events": true}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = node.as_user(&alice, "POST", &path, Some(json!({"event": {"type": "ping"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn payloads_over_5kb_are_refused_with_413_code_22() {
    let Room { node, cid, alice, .. } = room("messaging").await;
    let (kind, id) = cid.split_once(':').unwrap();
    let path = format!("/channels/{kind}/{id}/event");
    let small = "x".repeat(4800);
    let r = node.as_user(&alice, "POST", &path, Some(json!({"event": {"type": "blob", "data": small}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let big = "x".repeat(5200);
    let r = node.as_user(&alice, "POST", &path, Some(json!({"event": {"type": "blob", "data": big}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (413, Some(22)), "{}", r.body);
    let mut a = node.connect(&alice).await;
    a.send_text(json!({"type": "blob", "cid": cid, "data": "y".repeat(6000)}).to_string()).await;
    assert_eq!(a.event("error").await["error"]["code"], 22);
    a.assert_alive().await;
    a.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn clients_cannot_forge_built_in_events() {
    let Room { node, cid, alice, .. } = room("messaging").await;
    let (kind, id) = cid.split_once(':').unwrap();
    let path = format!("/channels/{kind}/{id}/event");
    for t in ["message.new", "user.banned", "health.check", "member.added", "notification.message_new", ""] {
        let r = node.as_user(&alice, "POST", &path, Some(json!({"event": {"type": t}}))).await;
        assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{t}: {}", r.body);
    }
    for t in ["typing.start", "typing.stop", "my.custom", "friendship_request"] {
        let r = node.as_user(&alice, "POST", &path, Some(json!({"event": {"type": t}}))).await;
        assert_eq!(r.status, 201, "{t}: {}", r.body);
    }
    assert!(node.metric("events_rejected_total").await >= 6);
    node.stop().await;
}
