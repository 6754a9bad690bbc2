//! Messages: message.new to watchers (the sender's own socket included) and
//! notification.message_new to members' connections that are not watching; message.updated and
//! message.deleted to watchers only; pagination, retention, client ids, frozen channels,
//! permissions and bad input.

use crate::support::*;
use serde_json::{json, Value};

struct Room {
    node: TestNode,
    id: String,
    cid: String,
    alice: String,
    bob: String,
    carol: String,
}

/// alice (creator), bob and carol are members of a fresh messaging channel.
async fn room_on(node: TestNode) -> Room {
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (id, cid) = node.messaging_room(&[&alice, &bob, &carol]).await;
    Room { node, id, cid, alice, bob, carol }
}

async fn room() -> Room {
    room_on(spawn_node().await).await
}

fn path(cid: &str, rest: &str) -> String {
    let (kind, id) = cid.split_once(':').unwrap();
    format!("/channels/{kind}/{id}{rest}")
}

fn texts(messages: &Value) -> Vec<String> {
    messages.as_array().expect("a list").iter().map(|m| m["text"].as_str().unwrap_or("").to_owned()).collect()
}

#[actix_web::test]
async fn message_new_reaches_watchers_and_notifies_members_who_are_not_watching() {
    let Room { node, cid, alice, bob, carol, .. } = room().await;
    let dave = uid("dave");
    node.upsert_users(&[&dave]).await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut c = node.connect(&carol).await;
    node.watch(&c, &carol, &cid, false).await;
    let mut b_idle = node.connect(&bob).await; // a member, not watching
    let mut d = node.connect(&dave).await; // not a member, not watching

    let r = node.as_user(&alice, "POST", &path(&cid, "/message"), Some(json!({"message": {"text": "hello", "color": "red"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let sent = &r.body["message"];
    assert_eq!(sent["text"], "hello");
    assert_eq!(sent["type"], "regular");
    assert_eq!(sent["cid"], cid.as_str());
    assert_eq!(sent["user"]["id"], alice.as_str());
    assert_eq!(sent["color"], "red", "custom fields are flattened");
    for field in ["latest_reactions", "own_reactions", "attachments", "mentioned_users"] {
        assert_eq!(sent[field], json!([]), "{field}");
    }
    assert_eq!(sent["reaction_counts"], json!({}));
    let id = sent["id"].as_str().expect("a generated id");

    for ws in [&mut a, &mut c] {
        let ev = ws.event("message.new").await;
        assert_eq!(ev["message"]["id"], id);
        assert_eq!(ev["message"]["text"], "hello");
        assert_eq!(ev["message"]["own_reactions"], json!([]), "encoded once: no per-recipient fields");
        assert_eq!(ev["user"]["id"], alice.as_str());
        assert_eq!(ev["cid"], cid.as_str());
        assert_eq!(ev["watcher_count"], 2);
    }
    let note = b_idle.event("notification.message_new").await;
    assert_eq!(note["message"]["id"], id);
    assert_eq!(note["channel"]["cid"], cid.as_str());
    assert_eq!(note["cid"], cid.as_str());

    // watchers get no notification; the idle member no message.new; the outsider nothing
    for (ws, user) in [(&mut a, &alice), (&mut c, &carol), (&mut b_idle, &bob), (&mut d, &dave)] {
        let mark = node.user_barrier(user).await;
        let forbidden: &[&str] =
            if user == &alice || user == &carol { &["notification.message_new"] } else { &["message.new", "notification.message_new"] };
        ws.assert_none_before(&mark, forbidden).await;
    }
    for ws in [a, b_idle, c, d] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn channel_state_pages_messages_oldest_first() {
    let Room { node, cid, alice, bob, .. } = room().await;
    let mut ids = Vec::new();
    for i in 1..=6 {
        ids.push(node.post_text(&cid, if i % 2 == 0 { &bob } else { &alice }, &format!("m{i}")).await["id"].as_str().unwrap().to_owned());
    }
    let query_path = path(&cid, "/query");
    let query = |body: Value| node.as_user(&alice, "POST", &query_path, Some(body));
    let r = query(json!({"state": true})).await;
    assert_eq!(texts(&r.body["messages"]), ["m1", "m2", "m3", "m4", "m5", "m6"]);
    assert_eq!(r.body["messages"][1]["user"]["id"], bob.as_str());
    let r = query(json!({"state": true, "messages": {"limit": 2}})).await;
    assert_eq!(texts(&r.body["messages"]), ["m5", "m6"]);
    let r = query(json!({"state": true, "messages": {"limit": 2, "id_lt": ids[4]}})).await;
    assert_eq!(texts(&r.body["messages"]), ["m3", "m4"]);
    let r = query(json!({"state": true, "messages": {"limit": 3, "id_gt": ids[1]}})).await;
    assert_eq!(texts(&r.body["messages"]), ["m3", "m4", "m5"]);
    let r = query(json!({"state": true, "messages": {"limit": 3, "id_lt": ids[0]}})).await;
    assert_eq!(r.body["messages"], json!([]), "nothing before the first");
    // query channels lists them too
    let r = node.as_user(&alice, "POST", "/channels", Some(json!({"filter_conditions": {"cid": cid}, "message_limit": 1}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(texts(&r.body["channels"][0]["messages"]), ["m6"]);
    // and one message by id
    let r = node.as_user(&bob, "GET", &format!("/messages/{}", ids[2]), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["message"]["text"], "m3");
    node.stop().await;
}

#[actix_web::test]
async fn each_channel_keeps_its_newest_messages_only() {
    let node = spawn_node_with(|c| c.limits.max_channel_messages = 3).await;
    let Room { node, cid, alice, .. } = room_on(node).await;
    let mut ids = Vec::new();
    for i in 1..=5 {
        ids.push(node.post_text(&cid, &alice, &format!("m{i}")).await["id"].as_str().unwrap().to_owned());
    }
    let r = node.as_user(&alice, "POST", &path(&cid, "/query"), Some(json!({"state": true}))).await;
    assert_eq!(texts(&r.body["messages"]), ["m3", "m4", "m5"]);
    let r = node.as_user(&alice, "GET", &format!("/messages/{}", ids[0]), None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)), "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn client_ids_are_kept_and_a_taken_id_is_refused() {
    let Room { node, cid, alice, bob, .. } = room().await;
    let id = format!("{alice}-{}", uid("local"));
    let r = node.as_user(&alice, "POST", &path(&cid, "/message"), Some(json!({"message": {"id": id, "text": "mine"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["message"]["id"], id.as_str());
    let r = node.as_user(&bob, "POST", &path(&cid, "/message"), Some(json!({"message": {"id": id, "text": "again"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("already exists"), "{}", r.body);
    let r = node.as_user(&alice, "GET", &format!("/messages/{id}"), None).await;
    assert_eq!(r.body["message"]["text"], "mine", "the first one stays");
    node.stop().await;
}

#[actix_web::test]
async fn updates_reach_watchers_only() {
    let Room { node, cid, alice, bob, .. } = room().await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b_idle = node.connect(&bob).await;
    let sent = node.post_text(&cid, &alice, "first").await;
    let id = sent["id"].as_str().unwrap();
    a.event("message.new").await;

    let r = node.as_user(&alice, "POST", &format!("/messages/{id}"), Some(json!({"message": {"text": "second", "mood": "ok"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["message"]["text"], "second");
    let ev = a.event("message.updated").await;
    assert_eq!(ev["message"]["text"], "second");
    assert_eq!(ev["message"]["mood"], "ok");
    assert_eq!(ev["message"]["created_at"], sent["created_at"]);
    assert_eq!(ev["user"]["id"], alice.as_str());

    let r =
        node.as_user(&alice, "PUT", &format!("/messages/{id}"), Some(json!({"set": {"text": "third", "tag": 1}, "unset": ["mood"]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ev = a.event("message.updated").await;
    assert_eq!(ev["message"]["text"], "third");
    assert_eq!(ev["message"]["tag"], 1);
    assert!(ev["message"].get("mood").is_none(), "{ev}");

    b_idle.event("notification.message_new").await; // of the first send: bob is a member
    let mark = node.user_barrier(&bob).await;
    b_idle.assert_none_before(&mark, &["message.updated"]).await;
    a.close().await;
    b_idle.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn soft_and_hard_deletes_reach_watchers() {
    let Room { node, cid, alice, bob, .. } = room().await;
    let mut b = node.connect(&bob).await;
    node.watch(&b, &bob, &cid, false).await;
    let soft = node.post_text(&cid, &alice, "soft").await["id"].as_str().unwrap().to_owned();
    let hard = node.post_text(&cid, &alice, "hard").await["id"].as_str().unwrap().to_owned();

    let r = node.as_user(&alice, "DELETE", &format!("/messages/{soft}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["message"]["type"], "deleted");
    let ev = b.wait_for("message.deleted", |e| e["message"]["id"] == soft.as_str()).await;
    assert_eq!(ev["hard_delete"], false);
    assert_eq!(ev["message"]["type"], "deleted");
    assert!(ev["message"]["deleted_at"].is_string());
    let r = node.as_user(&bob, "GET", &format!("/messages/{soft}"), None).await;
    assert_eq!(r.body["message"]["type"], "deleted", "a soft-deleted message is still there");

    let r = node.as_user(&alice, "DELETE", &format!("/messages/{hard}?hard=true"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ev = b.wait_for("message.deleted", |e| e["message"]["id"] == hard.as_str()).await;
    assert_eq!(ev["hard_delete"], true);
    let r = node.as_user(&bob, "GET", &format!("/messages/{hard}"), None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)));
    let r = node.as_user(&bob, "POST", &path(&cid, "/query"), Some(json!({"state": true}))).await;
    assert_eq!(texts(&r.body["messages"]), ["soft"], "the hard-deleted one is gone from the channel");
    let r = node.as_user(&alice, "POST", &format!("/messages/{soft}"), Some(json!({"message": {"text": "revive"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "a deleted message cannot be updated: {}", r.body);
    b.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn only_the_author_moderators_and_the_server_change_a_message() {
    let Room { node, id: channel_id, cid, alice, bob, carol } = room().await;
    let msg = node.post_text(&cid, &bob, "bob's").await["id"].as_str().unwrap().to_owned();
    let update = json!({"message": {"text": "edited"}});
    let r = node.as_user(&carol, "POST", &format!("/messages/{msg}"), Some(update.clone())).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    let r = node.as_user(&carol, "PUT", &format!("/messages/{msg}"), Some(json!({"set": {"text": "x"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    let r = node.as_user(&carol, "DELETE", &format!("/messages/{msg}"), None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    // the creator (alice) moderates; a promoted member (carol) too; the server always may
    let r = node.as_user(&alice, "POST", &format!("/messages/{msg}"), Some(update.clone())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = node.server("POST", &format!("/channels/messaging/{channel_id}"), Some(json!({"add_moderators": [carol]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = node.as_user(&carol, "PUT", &format!("/messages/{msg}"), Some(json!({"set": {"text": "by a moderator"}}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = node.server("POST", &format!("/messages/{msg}"), Some(json!({"message": {"text": "by the server"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["message"]["user"]["id"], bob.as_str(), "the author stays");
    let r = node.server("DELETE", &format!("/messages/{msg}?hard=true"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn frozen_channels_refuse_messages_and_custom_events_from_non_moderators() {
    let Room { node, id, cid, alice, bob, .. } = room().await;
    let r = node.server("PATCH", &format!("/channels/messaging/{id}"), Some(json!({"set": {"frozen": true}}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["channel"]["frozen"], true);
    let r = node.as_user(&bob, "POST", &path(&cid, "/message"), Some(json!({"message": {"text": "let me in"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("frozen"), "{}", r.body);
    let r = node.as_user(&bob, "POST", &path(&cid, "/event"), Some(json!({"event": {"type": "knock"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    let mut b = node.connect(&bob).await;
    b.send_text(json!({"type": "knock", "cid": cid}).to_string()).await;
    assert_eq!(b.event("error").await["error"]["code"], 17, "the socket path refuses too");
    // the creator moderates; the server is not bound
    let r = node.as_user(&alice, "POST", &path(&cid, "/message"), Some(json!({"message": {"text": "announcement"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = node.as_user(&alice, "POST", &path(&cid, "/event"), Some(json!({"event": {"type": "knock"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = node.send_message(&cid, &bob, json!({"text": "via the backend"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // unfrozen: bob may again
    node.server("PATCH", &format!("/channels/messaging/{id}"), Some(json!({"set": {"frozen": false}}))).await;
    let r = node.as_user(&bob, "POST", &path(&cid, "/message"), Some(json!({"message": {"text": "thawed"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    b.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn bad_input_gets_a_clear_error() {
    let Room { node, cid, alice, .. } = room().await;
    let eve = uid("eve");
    node.upsert_users(&[&eve]).await;
    let send_path = path(&cid, "/message");
    let send = |user: String, body: Value| {
        let (node, send_path) = (&node, &send_path);
        async move { node.as_user(&user, "POST", send_path, Some(body)).await }
    };
    let cases = [
        (json!({}), "message"),
        (json!({"message": null}), "message"),
        (json!({"message": {"text": 5}}), "text"),
        (json!({"message": {"text": ""}}), "text or attachments"),
        (json!({"message": {"text": "x".repeat(5001)}}), "5001"),
        (json!({"message": {"text": "hi", "attachments": "file"}}), "attachments"),
        (json!({"message": {"text": "hi", "mentioned_users": ["nobody-here"]}}), "nobody-here"),
        (json!({"message": {"text": "hi", "parent_id": "thread"}}), "parent_id"),
        (json!({"message": {"text": "hi", "id": "has space"}}), "message.id"),
    ];
    for (body, says) in cases {
        let r = send(alice.clone(), body.clone()).await;
        assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{body}: {}", r.body);
        assert!(r.body["message"].as_str().unwrap().contains(says), "{body}: {} should mention {says}", r.body);
        assert_eq!(r.content_type, "application/json");
    }
    let r = node.call("POST", &path(&cid, "/message"), Some(&node.user_token(&alice)), None).await;
    assert_eq!(r.status, 400, "no body: {}", r.body);
    let r = send(eve.clone(), json!({"message": {"text": "not a member"}})).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    let r = node.server("POST", &path(&cid, "/message"), Some(json!({"message": {"text": "who?"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "server messages name a user: {}", r.body);
    let r = node.as_user(&alice, "POST", "/channels/messaging/no-such-room/message", Some(json!({"message": {"text": "x"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)), "{}", r.body);
    let r = node.as_user(&alice, "GET", "/messages/no-such-message", None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)), "{}", r.body);
    let id = node.post_text(&cid, &alice, "ok").await["id"].as_str().unwrap().to_owned();
    let r = node.as_user(&eve, "GET", &format!("/messages/{id}"), None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "outsiders cannot read it: {}", r.body);
    for (body, says) in [
        (json!({}), "set or unset"),
        (json!({"set": {"user_id": eve}}), "user_id"),
        (json!({"unset": ["created_at"]}), "created_at"),
        (json!({"set": {"text": ["no"]}}), "text"),
    ] {
        let r = node.as_user(&alice, "PUT", &format!("/messages/{id}"), Some(body.clone())).await;
        assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{body}: {}", r.body);
        assert!(r.body["message"].as_str().unwrap().contains(says), "{body}: {}", r.body);
    }
    let r = node.as_user(&alice, "POST", &format!("/messages/{id}"), Some(json!({"message": {"id": "other", "text": "x"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    let r = node.as_user(&alice, "DELETE", &format!("/messages/{id}?hard=maybe"), None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn concurrent_edits_and_deletes_of_one_channel_keep_every_message_consistent() {
    let Room { node, cid, alice, bob, carol, .. } = room().await;
    let ids: Vec<String> = futures_util::future::join_all((0..12).map(|i| {
        let user = [&alice, &bob, &carol][i % 3].clone();
        let node = &node;
        let cid = cid.clone();
        async move { node.post_text(&cid, &user, &format!("c{i}")).await["id"].as_str().unwrap().to_owned() }
    }))
    .await;
    let r = node.as_user(&alice, "POST", &path(&cid, "/query"), Some(json!({"state": true}))).await;
    assert_eq!(r.body["messages"].as_array().unwrap().len(), 12, "every concurrent send stored once");
    let edits = ids.iter().map(|id| {
        let (node, path) = (&node, format!("/messages/{id}"));
        async move { node.server("PUT", &path, Some(json!({"set": {"edited": true}}))).await }
    });
    for r in futures_util::future::join_all(edits).await {
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = node.as_user(&alice, "POST", &path(&cid, "/query"), Some(json!({"state": true}))).await;
    assert!(r.body["messages"].as_array().unwrap().iter().all(|m| m["edited"] == true), "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn deleting_a_channel_deletes_its_messages() {
    let Room { node, id, cid, alice, .. } = room().await;
    let msg = node.post_text(&cid, &alice, "ephemeral").await["id"].as_str().unwrap().to_owned();
    let r = node.server("DELETE", &format!("/channels/messaging/{id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = node.server("GET", &format!("/messages/{msg}"), None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)), "{}", r.body);
    // a channel made again under the same id starts empty, and the old id is free again
    node.create_channel("messaging", &id, &[&alice]).await;
    let r = node.as_user(&alice, "POST", &path(&cid, "/query"), Some(json!({"state": true}))).await;
    assert_eq!(r.body["messages"], json!([]));
    let r = node.send_message(&cid, &alice, json!({"id": msg, "text": "reborn"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    node.stop().await;
}
