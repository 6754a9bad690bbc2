//! Read state: unread counts per member (channel state `read`) and in total (`me` on connect);
//! mark read → message.read to watchers + notification.mark_read to the reader's own
//! connections; mark unread → notification.mark_unread to the reader's connections; mark every
//! channel read; the channel type's read_events flag; bad input.

use crate::support::*;
use serde_json::{json, Value};

fn path(cid: &str, rest: &str) -> String {
    let (kind, id) = cid.split_once(':').unwrap();
    format!("/channels/{kind}/{id}{rest}")
}

/// `read` of a channel state as user → (unread_messages, last_read_message_id).
fn unread_of(state: &Value, user: &str) -> (u64, Value) {
    let read = state["read"].as_array().expect("read list");
    let r = read.iter().find(|r| r["user"]["id"] == user).unwrap_or_else(|| panic!("{user} in read: {state}"));
    (r["unread_messages"].as_u64().expect("unread_messages"), r["last_read_message_id"].clone())
}

async fn state_as(node: &TestNode, user: &str, cid: &str) -> Value {
    let r = node.as_user(user, "POST", &path(cid, "/query"), Some(json!({"state": true}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

#[actix_web::test]
async fn new_messages_count_as_unread_for_every_member_but_the_sender() {
    let node = spawn_node().await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (_, cid) = node.messaging_room(&[&alice, &bob, &carol]).await;
    let (_, other) = node.messaging_room(&[&alice, &carol]).await;
    node.post_text(&cid, &alice, "one").await;
    node.post_text(&cid, &alice, "two").await;
    node.post_text(&cid, &bob, "three").await;
    node.post_text(&other, &alice, "elsewhere").await;

    let state = state_as(&node, &carol, &cid).await;
    assert_eq!(unread_of(&state, &alice).0, 1);
    assert_eq!(unread_of(&state, &bob).0, 2);
    assert_eq!(unread_of(&state, &carol).0, 3);
    let carol_read = state["read"].as_array().unwrap().iter().find(|r| r["user"]["id"] == carol.as_str()).unwrap().clone();
    assert_eq!(carol_read["last_read"], "0001-01-01T00:00:00Z", "never read");

    let c = node.connect(&carol).await;
    let me = &c.handshake["me"];
    assert_eq!(me["total_unread_count"], 4, "{me}");
    assert_eq!(me["unread_count"], 4);
    assert_eq!(me["unread_channels"], 2);
    assert_eq!(me["mutes"], json!([]), "the arrays the JS client needs are still there");
    let a = node.connect(&alice).await;
    assert_eq!(a.handshake["me"]["total_unread_count"], 1);
    assert_eq!(a.handshake["me"]["unread_channels"], 1);
    c.close().await;
    a.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn mark_read_reaches_watchers_and_notifies_only_the_readers_connections() {
    let node = spawn_node().await;
    let (alice, bob, carol, dave) = (uid("alice"), uid("bob"), uid("carol"), uid("dave"));
    let (_, cid) = node.messaging_room(&[&alice, &bob, &carol]).await;
    node.upsert_users(&[&dave]).await;
    node.post_text(&cid, &alice, "one").await;
    let last = node.post_text(&cid, &alice, "two").await["id"].as_str().unwrap().to_owned();

    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b_watching = node.connect(&bob).await;
    node.watch(&b_watching, &bob, &cid, false).await;
    let mut b_idle = node.connect(&bob).await; // bob's second connection, not watching
    let mut c_idle = node.connect(&carol).await; // a member, not watching
    let mut d = node.connect(&dave).await; // not a member
    assert_eq!(b_idle.handshake["me"]["total_unread_count"], 2);

    let r = node.as_user(&bob, "POST", &path(&cid, "/read"), Some(json!({}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["event"]["type"], "message.read");
    assert_eq!(r.body["event"]["last_read_message_id"], last.as_str());

    for ws in [&mut a, &mut b_watching] {
        let ev = ws.event("message.read").await;
        assert_eq!(ev["user"]["id"], bob.as_str());
        assert_eq!(ev["cid"], cid.as_str());
        assert_eq!(ev["last_read_message_id"], last.as_str());
        assert!(ev.get("total_unread_count").is_none(), "channel events carry no per-user numbers: {ev}");
    }
    for ws in [&mut b_watching, &mut b_idle] {
        let note = ws.event("notification.mark_read").await;
        assert_eq!(note["cid"], cid.as_str());
        assert_eq!(note["total_unread_count"], 0);
        assert_eq!(note["unread_channels"], 0);
        assert_eq!(note["unread_count"], 0);
        assert_eq!(note["user"]["id"], bob.as_str());
    }
    // alice (watcher) gets no notification; bob's idle socket, carol and dave no message.read
    for (ws, user) in [(&mut a, &alice), (&mut b_idle, &bob), (&mut c_idle, &carol), (&mut d, &dave)] {
        let mark = node.user_barrier(user).await;
        let forbidden: &[&str] = if user == &alice { &["notification.mark_read"] } else { &["message.read", "notification.mark_read"] };
        ws.assert_none_before(&mark, forbidden).await;
    }

    let state = state_as(&node, &carol, &cid).await;
    assert_eq!(unread_of(&state, &bob), (0, json!(last)));
    assert_eq!(unread_of(&state, &carol).0, 2, "only the reader's count resets");
    let again = node.connect(&bob).await;
    assert_eq!(again.handshake["me"]["total_unread_count"], 0);
    for ws in [a, b_watching, b_idle, c_idle, d, again] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn mark_read_up_to_a_message_and_server_side_for_a_named_user() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let first = node.post_text(&cid, &alice, "one").await["id"].as_str().unwrap().to_owned();
    node.post_text(&cid, &alice, "two").await;
    let r = node.server("POST", &path(&cid, "/read"), Some(json!({"user_id": bob, "message_id": first}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["event"]["user"]["id"], bob.as_str());
    let state = state_as(&node, &alice, &cid).await;
    assert_eq!(unread_of(&state, &bob), (0, json!(first)));
    let r = node.server("POST", &path(&cid, "/read"), Some(json!({}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (400, json!(4)), "server-side needs a user: {}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn mark_unread_from_a_message_notifies_the_readers_connections() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let m1 = node.post_text(&cid, &alice, "one").await["id"].as_str().unwrap().to_owned();
    let m2 = node.post_text(&cid, &alice, "two").await["id"].as_str().unwrap().to_owned();
    node.post_text(&cid, &alice, "three").await;
    let r = node.as_user(&bob, "POST", &path(&cid, "/read"), None).await;
    assert_eq!(r.status, 201, "{}", r.body);

    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b = node.connect(&bob).await;
    node.watch(&b, &bob, &cid, false).await;
    let r = node.as_user(&bob, "POST", &path(&cid, "/unread"), Some(json!({"message_id": m2}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let note = b.event("notification.mark_unread").await;
    assert_eq!(note["cid"], cid.as_str());
    assert_eq!(note["user"]["id"], bob.as_str());
    assert_eq!(note["first_unread_message_id"], m2.as_str());
    assert_eq!(note["last_read_message_id"], m1.as_str());
    assert_eq!(note["unread_messages"], 2);
    assert_eq!(note["total_unread_count"], 2);
    assert_eq!(note["unread_channels"], 1);
    assert!(note["last_read_at"].as_str().is_some_and(|t| t.starts_with("20")), "{note}");
    let mark = node.user_barrier(&alice).await;
    a.assert_none_before(&mark, &["notification.mark_unread", "message.read"]).await;

    let state = state_as(&node, &alice, &cid).await;
    assert_eq!(unread_of(&state, &bob), (2, json!(m1)));

    for (body, status, code) in [(json!({}), 400, 4), (json!({"message_id": "no-such-message"}), 404, 16)] {
        let r = node.as_user(&bob, "POST", &path(&cid, "/unread"), Some(body)).await;
        assert_eq!((r.status, r.body["code"].clone()), (status, json!(code)), "{}", r.body);
    }
    let (_, other) = node.messaging_room(&[&alice, &bob]).await;
    let r = node.as_user(&bob, "POST", &path(&other, "/unread"), Some(json!({"message_id": m1}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (400, json!(4)), "a message of another channel: {}", r.body);
    a.close().await;
    b.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn mark_all_channels_read() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, one) = node.messaging_room(&[&alice, &bob]).await;
    let (_, two) = node.messaging_room(&[&alice, &bob]).await;
    node.post_text(&one, &alice, "a").await;
    node.post_text(&two, &alice, "b").await;
    node.post_text(&two, &alice, "c").await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &two, false).await;
    let mut b = node.connect(&bob).await;
    assert_eq!((b.handshake["me"]["total_unread_count"].clone(), b.handshake["me"]["unread_channels"].clone()), (json!(3), json!(2)));

    let r = node.as_user(&bob, "POST", "/channels/read", Some(json!({}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let note = b.event("notification.mark_read").await;
    assert_eq!((note["total_unread_count"].clone(), note["unread_channels"].clone()), (json!(0), json!(0)), "{note}");
    let read = a.event("message.read").await;
    assert_eq!((read["cid"].clone(), read["user"]["id"].clone()), (json!(two), json!(bob)));
    for cid in [&one, &two] {
        assert_eq!(unread_of(&state_as(&node, &alice, cid).await, &bob).0, 0);
    }
    let mark = node.user_barrier(&alice).await;
    a.assert_none_before(&mark, &["notification.mark_read"]).await;
    a.close().await;
    b.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn read_events_off_refuses_mark_read() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let id = uid("ls");
    node.create_channel("livestream", &id, &[&alice]).await;
    let cid = format!("livestream:{id}");
    let r = node.as_user(&alice, "POST", &path(&cid, "/read"), Some(json!({}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (400, json!(19)), "{}", r.body);
    let r = node.as_user(&bob, "POST", &path("messaging:nope", "/read"), Some(json!({}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (404, json!(16)), "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn notification_message_new_carries_each_recipients_own_unread_totals() {
    let node = spawn_node().await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (_, cid) = node.messaging_room(&[&alice, &bob, &carol]).await;
    let (_, other) = node.messaging_room(&[&alice, &bob]).await;
    node.post_text(&other, &alice, "earlier").await;
    let mut a_idle = node.connect(&alice).await;
    let mut b_idle = node.connect(&bob).await;
    let mut c = node.connect(&carol).await;
    node.watch(&c, &carol, &cid, false).await;

    node.post_text(&cid, &alice, "hello").await;
    let note = b_idle.event("notification.message_new").await;
    assert_eq!((note["total_unread_count"].clone(), note["unread_channels"].clone()), (json!(2), json!(2)), "{note}");
    assert_eq!(note["unread_count"], 2);
    let own = a_idle.event("notification.message_new").await;
    assert_eq!((own["total_unread_count"].clone(), own["unread_channels"].clone()), (json!(0), json!(0)), "the sender's own numbers");
    let ev = c.event("message.new").await;
    assert!(ev.get("total_unread_count").is_none(), "message.new is encoded once, without per-user numbers: {ev}");
    let mark = node.user_barrier(&carol).await;
    c.assert_none_before(&mark, &["notification.message_new"]).await;
    for ws in [a_idle, b_idle, c] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn messages_in_a_muted_channel_do_not_count_as_unread() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let mute = |body: Value| node.as_user(&bob, "POST", "/moderation/mute/channel", Some(body));
    let r = mute(json!({ "channel_cid": cid })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    node.post_text(&cid, &alice, "while muted").await;
    assert_eq!(unread_of(&state_as(&node, &alice, &cid).await, &bob).0, 0, "muted: not counted");

    let r = node.as_user(&bob, "POST", "/moderation/unmute/channel", Some(json!({ "channel_cid": cid }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    node.post_text(&cid, &alice, "after unmute").await;
    assert_eq!(unread_of(&state_as(&node, &alice, &cid).await, &bob).0, 1);

    let r = mute(json!({ "channel_cid": cid, "expiration": 1 })).await; // runs out at once
    assert_eq!(r.status, 201, "{}", r.body);
    let expires = r.body["channel_mute"]["expires"].as_str().unwrap().to_owned();
    // messages up to `expires` are still muted; post until one comes after it (no sleeping)
    for attempt in 0.. {
        assert!(attempt < 1000, "the clock did not pass {expires}");
        let sent = node.post_text(&cid, &alice, "after the mute ran out").await;
        if sent["created_at"].as_str().unwrap() > expires.as_str() {
            break;
        }
    }
    assert_eq!(unread_of(&state_as(&node, &alice, &cid).await, &bob).0, 2, "an expired mute no longer hides messages");
    node.stop().await;
}
