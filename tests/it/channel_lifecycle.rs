//! Channel lifecycle: truncate (channel.truncated to watchers, notification.channel_truncated to
//! members not watching), hide/show (channel.hidden / channel.visible to that user's own
//! connections; a new message shows the channel again; the `hidden` filter of query channels),
//! channel mutes (channel.muted / channel.unmuted and notification.channel_mutes_updated to the
//! muting user's connections; `channel_mutes` in `me`), channel.created.

use crate::support::*;
use serde_json::{json, Value};

fn path(cid: &str, rest: &str) -> String {
    let (kind, id) = cid.split_once(':').unwrap();
    format!("/channels/{kind}/{id}{rest}")
}

fn texts(state: &Value) -> Vec<String> {
    state["messages"].as_array().expect("messages").iter().map(|m| m["text"].as_str().unwrap_or("").to_owned()).collect()
}

async fn state_as(node: &TestNode, user: &str, cid: &str) -> Value {
    let r = node.as_user(user, "POST", &path(cid, "/query"), Some(json!({"state": true}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

/// The cids query channels lists for `user` among `candidates` with `extra` filter conditions.
async fn listed(node: &TestNode, user: &str, candidates: &[&str], extra: Value) -> Vec<(String, Value)> {
    let mut filter = json!({"cid": {"$in": candidates}});
    for (k, v) in extra.as_object().unwrap() {
        filter[k] = v.clone();
    }
    let r = node.as_user(user, "POST", "/channels", Some(json!({"filter_conditions": filter, "state": true}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["channel"]["cid"].as_str().unwrap().to_owned(), c["channel"]["hidden"].clone()))
        .collect()
}

#[actix_web::test]
async fn truncate_reaches_watchers_and_notifies_members_not_watching() {
    let node = spawn_node().await;
    let (alice, bob, carol, dave) = (uid("alice"), uid("bob"), uid("carol"), uid("dave"));
    let (_, cid) = node.messaging_room(&[&alice, &bob, &carol]).await;
    node.upsert_users(&[&dave]).await;
    for t in ["one", "two", "three"] {
        node.post_text(&cid, &alice, t).await;
    }
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b_idle = node.connect(&bob).await;
    let mut d = node.connect(&dave).await;

    let r = node.as_user(&bob, "POST", &path(&cid, "/truncate"), Some(json!({}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (403, json!(17)), "members who do not moderate may not: {}", r.body);
    let body = json!({"user_id": alice, "message": {"text": "history cleared", "user_id": alice}, "skip_push": true, "hard_delete": true});
    let r = node.server("POST", &path(&cid, "/truncate"), Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let truncated_at = r.body["channel"]["truncated_at"].as_str().expect("truncated_at").to_owned();
    assert_eq!(r.body["message"]["text"], "history cleared");
    assert_eq!(r.body["message"]["type"], "system");

    let ev = a.event("channel.truncated").await;
    assert_eq!(ev["cid"], cid.as_str());
    assert_eq!(ev["channel"]["truncated_at"], truncated_at.as_str());
    assert_eq!(ev["message"]["text"], "history cleared");
    assert_eq!(ev["user"]["id"], alice.as_str());
    let note = b_idle.event("notification.channel_truncated").await;
    assert_eq!(note["cid"], cid.as_str());
    assert_eq!(note["channel"]["truncated_at"], truncated_at.as_str());
    for (ws, user) in [(&mut a, &alice), (&mut b_idle, &bob), (&mut d, &dave)] {
        let mark = node.user_barrier(user).await;
        let forbidden: &[&str] =
            if user == &alice { &["notification.channel_truncated"] } else { &["channel.truncated", "notification.channel_truncated"] };
        ws.assert_none_before(&mark, forbidden).await;
    }

    let state = state_as(&node, &bob, &cid).await;
    assert_eq!(texts(&state), vec!["history cleared"], "truncated messages are gone");
    let bob_read = state["read"].as_array().unwrap().iter().find(|r| r["user"]["id"] == bob.as_str()).unwrap().clone();
    assert_eq!(bob_read["unread_messages"], 0, "unread reset: {bob_read}");
    assert_eq!(state["channel"]["truncated_at"], truncated_at.as_str());
    for ws in [a, b_idle, d] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn truncate_up_to_a_time_keeps_later_messages_and_refuses_bad_times() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let first = node.post_text(&cid, &alice, "old").await;
    node.post_text(&cid, &alice, "new").await;
    let at = first["created_at"].as_str().unwrap();
    let r = node.server("POST", &path(&cid, "/truncate"), Some(json!({ "truncated_at": at }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(texts(&state_as(&node, &alice, &cid).await), vec!["new"]);
    for bad in ["2999-01-01T00:00:00Z", "yesterday"] {
        let r = node.server("POST", &path(&cid, "/truncate"), Some(json!({ "truncated_at": bad }))).await;
        assert_eq!((r.status, r.body["code"].clone()), (400, json!(4)), "{bad}: {}", r.body);
    }
    assert_eq!(texts(&state_as(&node, &alice, &cid).await), vec!["new"]);
    node.stop().await;
}

#[actix_web::test]
async fn hide_and_show_go_to_the_users_own_connections_and_filter_query_channels() {
    let node = spawn_node().await;
    let (alice, bob, dave) = (uid("alice"), uid("bob"), uid("dave"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let (_, other) = node.messaging_room(&[&alice, &bob]).await;
    node.upsert_users(&[&dave]).await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b_watching = node.connect(&bob).await;
    node.watch(&b_watching, &bob, &cid, false).await;
    let mut b_idle = node.connect(&bob).await;
    let both = [cid.as_str(), other.as_str()];

    let r = node.as_user(&bob, "POST", &path(&cid, "/hide"), Some(json!({}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut b_watching, &mut b_idle] {
        let ev = ws.event("channel.hidden").await;
        assert_eq!((ev["cid"].clone(), ev["user"]["id"].clone(), ev["clear_history"].clone()), (json!(cid), json!(bob), json!(false)));
    }
    let mark = node.channel_barrier(&cid, &alice).await;
    a.assert_none_before(&mark, &["channel.hidden"]).await;
    assert_eq!(listed(&node, &bob, &both, json!({})).await, vec![(other.clone(), json!(false))]);
    assert_eq!(listed(&node, &bob, &both, json!({"hidden": true})).await, vec![(cid.clone(), json!(true))]);
    assert_eq!(listed(&node, &alice, &both, json!({})).await.len(), 2, "hidden for bob only");

    let r = node.as_user(&bob, "POST", &path(&cid, "/show"), None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut b_watching, &mut b_idle] {
        assert_eq!(ws.event("channel.visible").await["cid"], cid.as_str());
    }
    assert_eq!(listed(&node, &bob, &both, json!({})).await.len(), 2);

    // hidden again, clearing bob's history; a new message shows it
    node.post_text(&cid, &alice, "before").await;
    let r = node.server("POST", &path(&cid, "/hide"), Some(json!({"user_id": bob, "clear_history": true}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(b_idle.event("channel.hidden").await["clear_history"], true);
    node.post_text(&cid, &alice, "wake up").await;
    let ev = b_idle.event("channel.visible").await;
    assert_eq!((ev["cid"].clone(), ev["user"]["id"].clone()), (json!(cid), json!(bob)));
    assert_eq!(listed(&node, &bob, &both, json!({})).await.len(), 2);
    assert_eq!(texts(&state_as(&node, &bob, &cid).await), vec!["wake up"], "bob cleared what came before");
    assert_eq!(texts(&state_as(&node, &alice, &cid).await), vec!["before", "wake up"], "for bob only");
    let mark = node.channel_barrier(&cid, &alice).await;
    a.assert_none_before(&mark, &["channel.visible", "channel.hidden"]).await;

    let r = node.as_user(&dave, "POST", &path(&cid, "/hide"), None).await;
    assert_eq!((r.status, r.body["code"].clone()), (403, json!(17)), "{}", r.body);
    let r = node.as_user(&bob, "POST", "/channels", Some(json!({"filter_conditions": {"hidden": "yes"}}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (400, json!(4)), "{}", r.body);
    for ws in [a, b_watching, b_idle] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn channel_mutes_go_to_the_users_connections_and_into_me() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b = node.connect(&bob).await;
    node.watch(&b, &bob, &cid, false).await;

    let r = node.as_user(&bob, "POST", "/moderation/mute/channel", Some(json!({ "channel_cid": cid }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["channel_mute"]["channel"]["cid"], cid.as_str());
    assert_eq!(r.body["channel_mute"]["user"]["id"], bob.as_str());
    assert_eq!(r.body["own_user"]["channel_mutes"].as_array().map(Vec::len), Some(1));
    let muted = b.event("channel.muted").await;
    assert_eq!((muted["cid"].clone(), muted["user"]["id"].clone()), (json!(cid), json!(bob)));
    assert_eq!(muted["mute"]["channel"]["cid"], cid.as_str(), "the mute, as Stream's webhook payload has it");
    let note = b.event("notification.channel_mutes_updated").await;
    assert_eq!(note["me"]["channel_mutes"][0]["channel"]["cid"], cid.as_str(), "{note}");
    assert_eq!(note["me"]["mutes"], json!([]));
    let again = node.connect(&bob).await;
    assert_eq!(again.handshake["me"]["channel_mutes"][0]["channel"]["cid"], cid.as_str());
    let mark = node.channel_barrier(&cid, &alice).await;
    a.assert_none_before(&mark, &["channel.muted", "notification.channel_mutes_updated"]).await;
    // user mutes and channel mutes travel together in `me`
    let r = node.as_user(&bob, "POST", "/moderation/mute", Some(json!({ "target_id": alice }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let note = b.event("notification.mutes_updated").await;
    assert_eq!(note["me"]["channel_mutes"][0]["channel"]["cid"], cid.as_str(), "{note}");
    assert_eq!(note["me"]["mutes"].as_array().map(Vec::len), Some(1));
    let both = node.connect(&bob).await;
    assert_eq!(both.handshake["me"]["mutes"].as_array().map(Vec::len), Some(1));
    assert_eq!(both.handshake["me"]["channel_mutes"].as_array().map(Vec::len), Some(1));
    both.close().await;

    let r = node.server("POST", "/moderation/unmute/channel", Some(json!({ "channel_cids": [cid], "user_id": bob }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(b.event("channel.unmuted").await["cid"], cid.as_str());
    let note = b.event("notification.channel_mutes_updated").await;
    assert_eq!(note["me"]["channel_mutes"], json!([]));
    let mark = node.channel_barrier(&cid, &alice).await;
    a.assert_none_before(&mark, &["channel.unmuted", "notification.channel_mutes_updated"]).await;

    // a mute that already ran out is not in me
    let r = node.as_user(&bob, "POST", "/moderation/mute/channel", Some(json!({ "channel_cid": cid, "expiration": 1 }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body["channel_mute"]["expires"].as_str().is_some());
    b.event("notification.channel_mutes_updated").await;
    let mut expired = None;
    for _ in 0..50 {
        let ws = node.connect(&bob).await;
        let mutes = ws.handshake["me"]["channel_mutes"].clone();
        ws.close().await;
        if mutes == json!([]) {
            expired = Some(mutes);
            break;
        }
    }
    assert_eq!(expired, Some(json!([])), "an expired mute leaves me");

    for (body, status, code) in [(json!({}), 400, 4), (json!({"channel_cid": "messaging:no-such-channel"}), 404, 16)] {
        let r = node.as_user(&bob, "POST", "/moderation/mute/channel", Some(body)).await;
        assert_eq!((r.status, r.body["code"].clone()), (status, json!(code)), "{}", r.body);
    }
    for ws in [a, b, again] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn channel_created_reaches_no_socket() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let mut a = node.connect(&alice).await;
    let mut b = node.connect(&bob).await;
    let id = uid("room");
    let cid = format!("messaging:{id}");
    let q = format!("/channels/messaging/{id}/query?connection_id={}", a.connection_id);
    let r = node.as_user(&alice, "POST", &q, Some(json!({"watch": true, "state": true, "data": {"members": [alice, bob]}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mark = node.channel_barrier(&cid, &alice).await;
    a.assert_none_before(&mark, &["channel.created"]).await;
    let mark = node.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["channel.created"]).await;
    a.close().await;
    b.close().await;
    node.stop().await;
}
