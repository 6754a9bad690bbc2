//! Webhooks, TalkPlus format (seeds/talkplus-webhooks.txt): herald's events under TalkPlus names,
//! payload keys as in the seed's examples, `x-talkplus-signature` checked with the seed's
//! verification code (rewritten in Rust in `webhook_receiver`), and TalkPlus's retry rule: no
//! answer → one retry after 5 s.

use crate::support::*;
use crate::webhook_receiver::*;
use crate::webhooks::{fast_webhooks, set_hooks};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

fn keys(v: &Value) -> HashSet<&str> {
    v.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default()
}

fn assert_keys(v: &Value, expected: &[&str], what: &str) {
    let got = keys(v);
    for k in expected {
        assert!(got.contains(k), "{what}: missing {k:?} in {v}");
    }
}

// key sets of the seed's payload examples
const CHANNEL: &[&str] = &[
    "id",
    "name",
    "ownerId",
    "type",
    "imageUrl",
    "invitationCode",
    "isFrozen",
    "hideMessagesBeforeJoin",
    "category",
    "subcategory",
    "memberCount",
    "maxMemberCount",
    "data",
    "members",
    "mutedUsers",
    "bannedUsers",
    "bots",
    "updatedAt",
    "createdAt",
    "unreadCount",
    "lastReadAt",
    "lastMessage",
];
const MEMBER: &[&str] = &["id", "username", "profileImageUrl", "updatedAt", "createdAt", "lastReadAt", "lastSentAt"];
const USER: &[&str] = &["id", "username", "profileImageUrl", "updatedAt", "createdAt"];
const MESSAGE: &[&str] = &["id", "channelId", "userId", "username", "profileImageUrl", "type", "text", "translations", "data", "createdAt"];

/// Checks headers and signature of a TalkPlus request, and the keys common to every event.
fn check(r: &Received, event: &str) -> Value {
    assert_eq!(r.header("user-agent"), "TalkPlus");
    assert_eq!(r.header("content-type"), "application/json");
    assert!(talkplus_signature_matches(KEY, &r.body, r.header("x-talkplus-signature")), "signature of {}", r.json);
    let v = r.json.clone();
    assert_eq!(v["event"], event);
    assert_eq!(v["appId"], KEY, "appId defaults to the API key");
    if !event.starts_with("user_") {
        assert_keys(&v, &["event", "appId", "channel"], event);
        assert_keys(&v["channel"], CHANNEL, "channel");
        for m in v["channel"]["members"].as_array().unwrap() {
            assert_keys(m, MEMBER, "channel member");
        }
    }
    v
}

async fn next_event(hook: &mut Receiver, event: &str) -> Value {
    let r = hook.wait_for(event, |v| v["event"] == event).await;
    check(&r, event)
}

#[actix_web::test]
async fn talkplus_payloads_match_the_seed_and_signatures_verify() {
    let node = spawn_node_with(fast_webhooks).await;
    let mut hook = Receiver::start().await;
    set_hooks(&node, json!({"event_hooks": [{"id": "tp", "hook_type": "webhook", "webhook_url": hook.url, "format": "talkplus"}]})).await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (id, cid) = node.messaging_room(&[&alice, &bob]).await;

    // creating the channel: channel_added and member_added (in either order)
    let got =
        hook.collect_until(WAIT, |got| ["channel_added", "member_added"].iter().all(|e| got.iter().any(|r| r.json["event"] == *e))).await;
    let added = got.iter().find(|r| r.json["event"] == "channel_added").unwrap();
    let v = check(added, "channel_added");
    assert_eq!(v["channel"]["id"], id.as_str());
    assert_eq!(v["channel"]["lastMessage"], Value::Null);
    let v = check(got.iter().find(|r| r.json["event"] == "member_added").unwrap(), "member_added");
    assert_keys(&v["users"][0], USER, "users[]");
    assert_eq!(v["channel"]["id"], id.as_str());
    assert_eq!(v["channel"]["ownerId"], alice.as_str());

    let msg = node.post_text(&cid, &alice, "hello talkplus").await;
    let v = next_event(&mut hook, "message").await;
    assert_keys(&v, &["event", "appId", "channel", "sender", "message"], "message");
    assert_keys(&v["sender"], USER, "sender");
    assert_keys(&v["message"], MESSAGE, "message");
    assert_eq!(v["message"]["text"], "hello talkplus");
    assert_eq!(v["message"]["channelId"], id.as_str());
    assert_eq!(v["sender"]["id"], alice.as_str());
    assert_eq!(v["sender"]["username"], alice.to_uppercase(), "username is the user's name");
    assert_keys(&v["channel"]["lastMessage"], MESSAGE, "lastMessage");
    assert!(v["channel"]["createdAt"].as_i64().unwrap() > 1_600_000_000_000, "times are epoch milliseconds");

    let mid = msg["id"].as_str().unwrap();
    let r = node.as_user(&bob, "POST", &format!("/messages/{mid}/reaction"), Some(json!({"reaction": {"type": "happy"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = next_event(&mut hook, "reaction_added").await;
    assert_keys(&v, &["event", "appId", "channel", "user", "message", "reaction"], "reaction_added");
    assert_eq!(v["reaction"], "happy");
    assert_eq!(v["user"]["id"], bob.as_str());
    assert_eq!(v["message"]["reactions"]["happy"], bob.as_str());
    let r = node.as_user(&bob, "DELETE", &format!("/messages/{mid}/reaction/happy"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = next_event(&mut hook, "reaction_deleted").await;
    assert_eq!(v["reaction"], "happy");

    let r = node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"data": {"topic": "x"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = next_event(&mut hook, "channel_changed").await;
    assert_eq!(v["channel"]["data"]["topic"], "x", "custom data under data");

    node.upsert_users(&[&carol]).await;
    let r = node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"add_members": [carol]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = next_event(&mut hook, "member_added").await;
    assert_eq!(v["users"][0]["id"], carol.as_str());
    let r = node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"remove_members": [carol]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = next_event(&mut hook, "member_left").await;
    assert_eq!(v["users"][0]["id"], carol.as_str());
    assert_keys(&v["users"][0], USER, "users[]");

    let r = node.server("DELETE", &format!("/messages/{mid}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = next_event(&mut hook, "message_deleted").await;
    assert_eq!(v["message"]["id"], mid);

    let r = node.as_user(&alice, "POST", "/users/block", Some(json!({"blocked_user_id": bob}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = next_event(&mut hook, "user_blocked").await;
    assert_keys(&v, &["event", "appId", "user", "blockedUser"], "user_blocked");
    assert_keys(&v["blockedUser"], USER, "blockedUser");
    assert_eq!((v["user"]["id"].as_str(), v["blockedUser"]["id"].as_str()), (Some(alice.as_str()), Some(bob.as_str())));
    let r = node.as_user(&alice, "POST", "/users/unblock", Some(json!({"blocked_user_id": bob}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = next_event(&mut hook, "user_unblocked").await;
    assert_eq!(v["blockedUser"]["id"], bob.as_str());

    // a channel ban: member_banned once (herald publishes user.banned to the channel and to bob)
    let ban = json!({"target_user_id": bob, "type": "messaging", "id": id, "banned_by_id": alice});
    let r = node.server("POST", "/moderation/ban", Some(ban)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = next_event(&mut hook, "member_banned").await;
    assert_eq!(v["users"][0]["id"], bob.as_str());
    assert_eq!(v["channel"]["bannedUsers"][0]["id"], bob.as_str(), "{}", v["channel"]);
    let r = node.server("DELETE", &format!("/moderation/ban?target_user_id={bob}&type=messaging&id={id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = hook.collect_until(WAIT, |got| got.iter().any(|r| r.json["event"] == "member_unbanned")).await;
    assert!(got.iter().all(|r| r.json["event"] != "member_banned"), "member_banned once only");
    let v = check(got.last().unwrap(), "member_unbanned");
    assert_eq!(v["users"][0]["id"], bob.as_str());

    let r = node.server("DELETE", &format!("/channels/messaging/{id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = next_event(&mut hook, "channel_removed").await;
    assert_eq!(v["channel"]["id"], id.as_str());
    hook.stop().await;
    node.stop().await;
}

#[actix_web::test]
async fn talkplus_no_answer_is_retried_after_5_seconds() {
    let node = spawn_node_with(|c| {
        fast_webhooks(c);
        c.webhooks.timeout_ms = 500;
        c.webhooks.retry_delays_ms = vec![5000]; // TalkPlus's rule: one retry after 5 s
        c.webhooks.lease_ms = 3000;
    })
    .await;
    let mut hook = Receiver::start().await;
    hook.set_mode(HANG);
    set_hooks(&node, json!({"event_hooks": [{"id": "tp5", "webhook_url": hook.url, "format": "talkplus", "event_types": ["message"]}]}))
        .await;
    let alice = uid("alice");
    let (_, cid) = node.messaging_room(&[&alice]).await;
    node.post_text(&cid, &alice, "are you there").await;
    let first = hook.wait_for("first attempt", |v| v["event"] == "message").await;
    hook.set_mode(OK);
    let Some(second) = hook.next_within(Duration::from_secs(30)).await else {
        let (failed, delivered) = (node.metric("webhook_attempts_failed_total").await, node.metric("webhook_deliveries_total").await);
        panic!("no retry within 30 s (attempts failed: {failed}, delivered: {delivered})");
    };
    assert_eq!(second.id(), first.id());
    assert_eq!((first.attempt(), second.attempt()), (1, 2));
    assert_eq!(second.body, first.body);
    let gap = second.at - first.at;
    assert!(gap >= Duration::from_secs(5), "retried after {gap:?}: at least 5 s after the unanswered attempt");
    assert!(gap < Duration::from_secs(10), "retried after {gap:?}");
    check(&second, "message");
    node.wait_metric("webhook_deliveries_total", 1, WAIT).await;
    assert!(hook.next_within(Duration::from_millis(300)).await.is_none(), "one retry only");
    hook.stop().await;
    node.stop().await;
}
