//! Bans: user.banned / user.unbanned to the channel's watchers (channel bans) and the banned
//! user's connections, never to members who are not watching; banned users cannot send messages,
//! reactions or custom events (403, code 17) until unbanned or the timeout passes; the ban list;
//! permissions and bad input.

use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;

fn ban_path(target: &str, cid: Option<&str>) -> String {
    match cid.and_then(|c| c.split_once(':')) {
        Some((kind, id)) => format!("/moderation/ban?target_user_id={target}&type={kind}&id={id}"),
        None => format!("/moderation/ban?target_user_id={target}"),
    }
}

/// The three ways a banned user is refused, each 403 code 17.
async fn assert_refused(node: &TestNode, cid: &str, user: &str, msg: &str) {
    let (kind, id) = cid.split_once(':').unwrap();
    let r = node.as_user(user, "POST", &format!("/channels/{kind}/{id}/message"), Some(json!({"message": {"text": "hi"}}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (403, json!(17)), "message: {}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("banned"), "{}", r.body);
    let r = node.as_user(user, "POST", &format!("/messages/{msg}/reaction"), Some(json!({"reaction": {"type": "like"}}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (403, json!(17)), "reaction: {}", r.body);
    let r = node.as_user(user, "POST", &format!("/channels/{kind}/{id}/event"), Some(json!({"event": {"type": "poke"}}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (403, json!(17)), "custom event: {}", r.body);
}

#[actix_web::test]
async fn channel_ban_reaches_watchers_and_the_banned_user_once() {
    let node = spawn_node().await;
    let (alice, bob, carol, dave) = (uid("alice"), uid("bob"), uid("carol"), uid("dave"));
    let (_, cid) = node.messaging_room(&[&alice, &bob, &carol, &dave]).await;
    let (_, other) = node.messaging_room(&[&alice, &bob]).await;
    let msg = node.post_text(&cid, &alice, "hello").await["id"].as_str().unwrap().to_owned();
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut c = node.connect(&carol).await;
    node.watch(&c, &carol, &cid, false).await;
    let mut d_idle = node.connect(&dave).await; // a member, not watching
    let mut b_watching = node.connect(&bob).await;
    node.watch(&b_watching, &bob, &cid, false).await;
    let mut b_idle = node.connect(&bob).await;

    // alice created the channel: she moderates it
    let (kind, id) = cid.split_once(':').unwrap();
    let body = json!({"target_user_id": bob, "type": kind, "id": id, "timeout": 60, "reason": "spam"});
    let r = node.as_user(&alice, "POST", "/moderation/ban", Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut a, &mut c, &mut b_watching, &mut b_idle] {
        let ev = ws.event("user.banned").await;
        assert_eq!(ev["user"]["id"], bob.as_str());
        assert_eq!(ev["cid"], cid.as_str());
        assert_eq!(ev["created_by"]["id"], alice.as_str());
        assert_eq!(ev["reason"], "spam");
        assert!(ev["expiration"].as_str().is_some(), "{ev}");
        assert_eq!(ev["shadow"], false);
    }
    // bob's watching connection got it once (from the channel), dave (not watching) never
    let mark = node.user_barrier(&bob).await;
    b_watching.assert_none_before(&mark, &["user.banned"]).await;
    let mark = node.user_barrier(&dave).await;
    d_idle.assert_none_before(&mark, &["user.banned"]).await;

    assert_refused(&node, &cid, &bob, &msg).await;
    let state = node.as_user(&alice, "POST", &format!("/channels/{kind}/{id}/query"), Some(json!({"state": true}))).await;
    let member = state.body["members"].as_array().unwrap().iter().find(|m| m["user_id"] == bob.as_str()).unwrap().clone();
    assert_eq!(member["banned"], true, "{member}");
    // the ban is scoped: bob still talks elsewhere
    node.post_text(&other, &bob, "still here").await;

    let r = node.as_user(&alice, "DELETE", &ban_path(&bob, Some(&cid)), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for ws in [&mut a, &mut c, &mut b_watching, &mut b_idle] {
        let ev = ws.event("user.unbanned").await;
        assert_eq!(ev["user"]["id"], bob.as_str());
        assert_eq!(ev["cid"], cid.as_str());
    }
    let mark = node.user_barrier(&dave).await;
    d_idle.assert_none_before(&mark, &["user.unbanned"]).await;
    node.post_text(&cid, &bob, "back").await;
    let r = node.as_user(&bob, "POST", &format!("/messages/{msg}/reaction"), Some(json!({"reaction": {"type": "like"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [a, c, d_idle, b_watching, b_idle] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn global_ban_reaches_only_the_banned_user_and_blocks_every_channel() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let (_, other) = node.messaging_room(&[&alice, &bob]).await;
    let msg = node.post_text(&cid, &alice, "hello").await["id"].as_str().unwrap().to_owned();
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b = node.connect(&bob).await;
    node.watch(&b, &bob, &cid, false).await;

    let r = node.server("POST", "/moderation/ban", Some(json!({"target_user_id": bob, "banned_by_id": alice, "reason": "abuse"}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ev = b.event("user.banned").await;
    assert_eq!(ev["user"]["id"], bob.as_str());
    assert_eq!(ev["user"]["banned"], true);
    assert_eq!(ev["created_by"]["id"], alice.as_str());
    assert!(ev.get("cid").is_none(), "a global ban is not a channel event: {ev}");
    let mark = node.channel_barrier(&cid, &alice).await;
    a.assert_none_before(&mark, &["user.banned"]).await;

    assert_refused(&node, &cid, &bob, &msg).await;
    assert_refused(&node, &other, &bob, &msg).await;
    let r =
        node.server("GET", &format!("/users?payload={}", urlencode(&json!({"filter_conditions": {"id": bob}}).to_string())), None).await;
    assert_eq!(r.body["users"][0]["banned"], true, "{}", r.body);

    let payload = urlencode(&json!({"filter_conditions": {"user_id": bob}}).to_string());
    let r = node.server("GET", &format!("/query_banned_users?payload={payload}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bans = r.body["bans"].as_array().unwrap();
    assert_eq!(bans.len(), 1, "{}", r.body);
    assert_eq!(bans[0]["user"]["id"], bob.as_str());
    assert_eq!(bans[0]["banned_by"]["id"], alice.as_str());
    assert_eq!(bans[0]["reason"], "abuse");
    assert!(bans[0].get("channel").is_none());

    let r = node.server("DELETE", &ban_path(&bob, None), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ev = b.event("user.unbanned").await;
    assert_eq!(ev["user"]["banned"], false);
    let mark = node.channel_barrier(&cid, &alice).await;
    a.assert_none_before(&mark, &["user.unbanned"]).await;
    node.post_text(&other, &bob, "free").await;
    let r = node.server("GET", &format!("/query_banned_users?payload={payload}"), None).await;
    assert_eq!(r.body["bans"], json!([]));
    a.close().await;
    b.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn a_ban_with_a_timeout_ends_by_itself() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    // 0.02 minutes = 1.2 s
    let r = node.server("POST", "/moderation/ban", Some(json!({"target_user_id": bob, "timeout": 0.02}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = node.send_message(&cid, &bob, json!({"text": "now?"})).await;
    assert_eq!(r.status, 403, "banned right after: {}", r.body);
    // poll (not a sleep to wait for an event): the ban lapses on its own, no unban
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let r = node.send_message(&cid, &bob, json!({"text": "now?"})).await;
        if r.status == 201 {
            break;
        }
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(tokio::time::Instant::now() < deadline, "the ban did not expire");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = node.server("GET", "/query_banned_users", None).await;
    assert!(!r.body["bans"].as_array().unwrap().iter().any(|b| b["user"]["id"] == bob.as_str()), "expired bans are not listed");
    let r =
        node.server("GET", &format!("/users?payload={}", urlencode(&json!({"filter_conditions": {"id": bob}}).to_string())), None).await;
    assert_eq!(r.body["users"][0]["banned"], false, "the user is no longer marked banned: {}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn shadow_bans_are_silent_and_do_not_refuse() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let mut b = node.connect(&bob).await;
    node.watch(&b, &bob, &cid, false).await;
    let r = node.server("POST", "/moderation/ban", Some(json!({"target_user_id": bob, "channel_cid": cid, "shadow": true}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mark = node.channel_barrier(&cid, &alice).await;
    b.assert_none_before(&mark, &["user.banned"]).await;
    node.post_text(&cid, &bob, "unaware").await;
    let r = node.server("GET", "/query_banned_users", None).await;
    let ban = r.body["bans"].as_array().unwrap().iter().find(|b| b["user"]["id"] == bob.as_str()).cloned().expect("listed");
    assert_eq!(ban["shadow"], true);
    assert_eq!(ban["channel"]["cid"], cid.as_str());
    b.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn ban_permissions_and_bad_input() {
    let node = spawn_node().await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (id, cid) = node.messaging_room(&[&alice, &bob, &carol]).await;
    let code = |r: &Reply| (r.status, r.body["code"].as_i64().unwrap_or(0));
    // carol is a plain member: no channel bans; no user token bans globally
    let r = node.as_user(&carol, "POST", "/moderation/ban", Some(json!({"target_user_id": bob, "type": "messaging", "id": id}))).await;
    assert_eq!(code(&r), (403, 17), "{}", r.body);
    let r = node.as_user(&alice, "POST", "/moderation/ban", Some(json!({"target_user_id": bob}))).await;
    assert_eq!(code(&r), (403, 17), "{}", r.body);
    let r = node.as_user(&carol, "DELETE", &ban_path(&bob, Some(&cid)), None).await;
    assert_eq!(code(&r), (403, 17), "{}", r.body);
    let r = node.as_user(&carol, "GET", "/query_banned_users", None).await;
    assert_eq!(code(&r), (403, 17), "{}", r.body);
    // bad input
    for (body, want) in [
        (json!({}), (400, 4)),
        (json!({"target_user_id": uid("nobody")}), (404, 16)),
        (json!({"target_user_id": bob, "type": "messaging", "id": uid("nochannel")}), (404, 16)),
        (json!({"target_user_id": bob, "type": "messaging"}), (400, 4)),
        (json!({"target_user_id": bob, "timeout": -5}), (400, 4)),
        (json!({"target_user_id": bob, "banned_by_id": bob}), (400, 4)),
    ] {
        let r = node.server("POST", "/moderation/ban", Some(body.clone())).await;
        assert_eq!(code(&r), want, "{body}: {}", r.body);
    }
    // nothing was banned by the refused calls
    node.post_text(&cid, &bob, "fine").await;
    let r: Value = node.server("GET", "/query_banned_users", None).await.body;
    assert!(!r["bans"].as_array().unwrap().iter().any(|b| b["user"]["id"] == bob.as_str()), "{r}");
    node.stop().await;
}
