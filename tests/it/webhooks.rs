//! Webhooks, Stream format: configuration through `PATCH /app`, signed requests with the
//! documented headers, payload shapes per event kind (seeds/stream-webhook-events.txt), the
//! default catalogue filter, and delivery through an endpoint that refuses, hangs or fails
//! (retries, order per channel, exactly once by `X-Webhook-Id` when nothing was answered, dead
//! letters). The official Python SDK's `verify_webhook` check is in tests/sdk/py/test_webhooks.py.

use crate::support::*;
use crate::webhook_receiver::*;
use herald::Config;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Fast delivery settings: short attempt timeout, many short retries.
pub fn fast_webhooks(c: &mut Config) {
    c.webhooks.timeout_ms = 300;
    c.webhooks.retry_delays_ms = vec![50; 60];
    c.webhooks.settings_refresh_ms = 50;
    c.webhooks.poll_ms = 20;
    c.webhooks.lease_ms = 1000;
}

pub async fn set_hooks(node: &TestNode, body: Value) {
    let r = node.server("PATCH", "/app", Some(body)).await;
    assert_eq!(r.status, 200, "PATCH /app: {}", r.body);
}

fn keys(v: &Value) -> HashSet<String> {
    v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

fn assert_has(v: &Value, expected: &[&str], what: &str) {
    let got = keys(v);
    for k in expected {
        assert!(got.contains(*k), "{what}: missing {k:?} in {v}");
    }
}

/// Every Stream-format request carries the documented headers and a valid signature.
fn assert_signed(r: &Received) {
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.header("x-api-key"), KEY);
    assert!(!r.id().is_empty(), "X-Webhook-Id");
    assert!(r.attempt() >= 1, "X-Webhook-Attempt");
    let sig = r.header("x-signature");
    assert_eq!(sig, stream_signature(SECRET, &r.body), "X-Signature is the hex HMAC-SHA256 of the exact body");
    assert_eq!(sig, sig.to_lowercase());
}

#[actix_web::test]
async fn webhooks_stream_format_payloads_signed_and_filtered() {
    let node = spawn_node_with(fast_webhooks).await;
    let mut hook = Receiver::start().await;
    set_hooks(&node, json!({"webhook_url": hook.url, "webhook_events": []})).await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (id, cid) = node.messaging_room(&[&alice, &bob]).await;

    // typing is not in the catalogue: never delivered (checked when the message arrives first)
    let r = node.channel_event(&cid, &alice, json!({"type": "typing.start"})).await;
    assert_eq!(r.status, 201);
    let msg = node.post_text(&cid, &alice, "hello hooks").await;
    let before = hook.collect_until(WAIT, |got| got.last().is_some_and(|r| r.json["type"] == "message.new")).await;
    for r in &before {
        assert_signed(r);
        assert_ne!(r.json["type"], "typing.start", "typing is not in the catalogue");
    }
    assert_eq!(before[0].json["type"], "member.added", "the channel's creation added its members first");
    let got = before.last().unwrap().clone();
    assert_signed(&got);
    let ev = &got.json;
    assert_has(
        ev,
        &["type", "cid", "channel_id", "channel_type", "message", "user", "created_at", "members", "request_info"],
        "message.new",
    );
    assert_eq!(ev["cid"], cid.as_str());
    assert_eq!(ev["channel_id"], id.as_str());
    assert_eq!(ev["message"]["id"], msg["id"]);
    assert_eq!(ev["user"]["id"], alice.as_str());
    let members: Vec<&str> = ev["members"].as_array().unwrap().iter().map(|m| m["user_id"].as_str().unwrap()).collect();
    assert!(members.contains(&alice.as_str()) && members.contains(&bob.as_str()), "{members:?}");
    assert_has(&ev["members"][0], &["user_id", "user", "created_at", "updated_at", "notifications_muted"], "member");
    // unread fields on the members' users: bob has this message unread, alice (the sender) not
    let bob_user = &ev["members"].as_array().unwrap().iter().find(|m| m["user_id"] == bob.as_str()).unwrap()["user"];
    assert_has(bob_user, &["total_unread_count", "unread_channels", "channel_unread_count", "channel_last_read_at"], "member user");
    assert_eq!(bob_user["channel_unread_count"], 1, "{bob_user}");
    assert_eq!(bob_user["total_unread_count"], 1, "{bob_user}");
    assert_eq!(bob_user["unread_channels"], 1, "{bob_user}");
    assert_eq!(ev["user"]["channel_unread_count"], 0, "{}", ev["user"]);
    assert_has(&ev["user"], &["total_unread_count", "unread_channels", "channel_last_read_at"], "acting user");
    assert_eq!(ev["request_info"]["type"], "server");
    assert_has(&ev["request_info"], &["type", "ip", "user_agent", "sdk"], "request_info");

    // reaction.new / reaction.deleted
    let mid = msg["id"].as_str().unwrap();
    let r = node.as_user(&bob, "POST", &format!("/messages/{mid}/reaction"), Some(json!({"reaction": {"type": "love"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let got = hook.wait_for("reaction.new", |v| v["type"] == "reaction.new").await;
    assert_signed(&got);
    assert_has(&got.json, &["type", "cid", "message", "reaction", "user", "created_at", "members"], "reaction.new");
    assert_eq!(got.json["reaction"]["type"], "love");
    assert_eq!(got.json["request_info"]["type"], "client", "a user token caused it");
    let r = node.as_user(&bob, "DELETE", &format!("/messages/{mid}/reaction/love"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = hook.wait_for("reaction.deleted", |v| v["type"] == "reaction.deleted").await;
    assert_has(&got.json, &["type", "cid", "message", "reaction", "user", "created_at"], "reaction.deleted");

    // message.updated / message.deleted
    let r = node.server("POST", &format!("/messages/{mid}"), Some(json!({"message": {"text": "edited", "user_id": alice}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let got = hook.wait_for("message.updated", |v| v["type"] == "message.updated").await;
    assert_has(&got.json, &["type", "cid", "message", "user", "created_at"], "message.updated");
    assert_eq!(got.json["message"]["text"], "edited");

    // member.added / member.removed, channel.updated
    node.upsert_users(&[&carol]).await;
    let r = node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"add_members": [carol]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let got = hook.wait_for("member.added", |v| v["type"] == "member.added").await;
    assert_has(&got.json, &["type", "cid", "member", "user", "created_at", "members"], "member.added");
    assert_eq!(got.json["member"]["user_id"], carol.as_str());
    let r = node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"remove_members": [carol]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let got = hook.wait_for("member.removed", |v| v["type"] == "member.removed").await;
    assert_has(&got.json, &["type", "cid", "user", "created_at"], "member.removed");
    let r = node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"data": {"color": "blue"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let got = hook.wait_for("channel.updated", |v| v["type"] == "channel.updated").await;
    assert_has(&got.json, &["type", "cid", "channel", "created_at", "members"], "channel.updated");

    // a user custom event is copied to webhooks (seeds/stream-custom-events.txt), naming its target
    let r = node.server("POST", &format!("/users/{bob}/event"), Some(json!({"event": {"type": "friendship_request", "text": "hi"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let got = hook.wait_for("user custom event", |v| v["type"] == "friendship_request").await;
    assert_signed(&got);
    assert_eq!(got.json["text"], "hi");
    assert_eq!(got.json["target_user_id"], bob.as_str());

    // message.deleted, then channel.deleted
    let r = node.server("DELETE", &format!("/messages/{mid}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = hook.wait_for("message.deleted", |v| v["type"] == "message.deleted").await;
    assert_has(&got.json, &["type", "cid", "message", "created_at"], "message.deleted");
    let r = node.server("DELETE", &format!("/channels/messaging/{id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = hook.wait_for("channel.deleted", |v| v["type"] == "channel.deleted").await;
    assert_has(&got.json, &["type", "cid", "channel", "created_at"], "channel.deleted");

    // every request had a distinct id, and no notification.* per-user event was delivered
    hook.stop().await;
    node.stop().await;
}

#[actix_web::test]
async fn app_settings_round_trip_validation_and_server_only() {
    let node = spawn_node_with(fast_webhooks).await;
    let r = node.server("GET", "/app", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["app"]["event_hooks"], json!([]));
    let hooks = json!({"event_hooks": [
        {"id": "a", "enabled": true, "hook_type": "webhook", "webhook_url": "http://127.0.0.1:9/a", "event_types": ["message.new"]},
        {"id": "b", "enabled": false, "hook_type": "webhook", "webhook_url": "https://example.com/b", "event_types": [], "format": "talkplus"}
    ], "webhook_url": "http://127.0.0.1:9/legacy"});
    set_hooks(&node, hooks).await;
    let r = node.server("GET", "/app", None).await;
    let app = &r.body["app"];
    assert_eq!(app["webhook_url"], "http://127.0.0.1:9/legacy");
    assert_eq!(app["event_hooks"][0]["id"], "a");
    assert_eq!(app["event_hooks"][0]["event_types"], json!(["message.new"]));
    assert_eq!(app["event_hooks"][1]["format"], "talkplus");
    assert_eq!(app["event_hooks"][1]["enabled"], false);
    assert!(!r.body.to_string().contains(SECRET), "no secret in GET /app");
    // a patch without event_hooks keeps them
    set_hooks(&node, json!({"webhook_events": ["message.new"]})).await;
    let r = node.server("GET", "/app", None).await;
    assert_eq!(r.body["app"]["event_hooks"].as_array().unwrap().len(), 2);
    // bad input: clear errors, nothing changed
    for bad in [
        json!({"webhook_url": "ftp://x"}),
        json!({"event_hooks": [{"hook_type": "sqs", "webhook_url": "http://x"}]}),
        json!({"event_hooks": [{"hook_type": "webhook", "webhook_url": "http://x", "format": "xml"}]}),
        json!({"event_hooks": [{"hook_type": "webhook"}]}),
        json!({"event_hooks": "nope"}),
        json!({"webhook_events": [1]}),
    ] {
        let r = node.server("PATCH", "/app", Some(bad.clone())).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.body["code"], 4, "{}", r.body);
    }
    let user = uid("u");
    node.upsert_users(&[&user]).await;
    let r = node.as_user(&user, "PATCH", "/app", Some(json!({"webhook_url": ""}))).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = node.as_user(&user, "GET", "/webhooks/dead_letters", None).await;
    assert_eq!(r.status, 403, "{}", r.body);
    node.stop().await;
}

/// Message texts per channel, in arrival order, of the first arrival of each webhook id.
fn per_channel(received: &[Received]) -> HashMap<String, Vec<String>> {
    let mut seen = HashSet::new();
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for r in received {
        if seen.insert(r.id()) {
            let cid = r.json["cid"].as_str().unwrap_or("").to_owned();
            out.entry(cid).or_default().push(r.json["message"]["text"].as_str().unwrap_or("").to_owned());
        }
    }
    out
}

#[actix_web::test]
async fn webhooks_endpoint_refusing_then_back_gets_everything_once_in_order() {
    let node = spawn_node_with(fast_webhooks).await;
    let mut hook = Receiver::reserve(); // nothing listens: connections are refused
    set_hooks(
        &node,
        json!({"event_hooks": [{"id": "down", "hook_type": "webhook", "webhook_url": hook.url, "event_types": ["message.new"]}]}),
    )
    .await;
    let alice = uid("alice");
    let (_, cid1) = node.messaging_room(&[&alice]).await;
    let (_, cid2) = node.messaging_room(&[&alice]).await;
    const N: usize = 10;
    for i in 0..N {
        node.post_text(&cid1, &alice, &format!("a{i}")).await;
        node.post_text(&cid2, &alice, &format!("b{i}")).await;
    }
    node.wait_metric("webhook_attempts_failed_total", 2, WAIT).await; // refused attempts are retried
    hook.listen();
    let got = hook.collect_until(Duration::from_secs(20), |got| got.len() >= 2 * N).await;
    for r in &got {
        assert_signed(r);
    }
    let ids: HashSet<String> = got.iter().map(Received::id).collect();
    assert_eq!(ids.len(), 2 * N, "every event exactly once by X-Webhook-Id");
    let order = per_channel(&got);
    assert_eq!(order[&cid1], (0..N).map(|i| format!("a{i}")).collect::<Vec<_>>(), "in order per channel");
    assert_eq!(order[&cid2], (0..N).map(|i| format!("b{i}")).collect::<Vec<_>>(), "in order per channel");
    assert!(hook.next_within(Duration::from_millis(300)).await.is_none(), "nothing delivered twice");
    assert_eq!(node.metric("webhook_dead_letters_total").await, 0);
    hook.stop().await;
    node.stop().await;
}

#[actix_web::test]
async fn webhooks_hanging_endpoint_is_retried_and_fanout_is_not_held_up() {
    let node = spawn_node_with(fast_webhooks).await;
    let mut hook = Receiver::start().await;
    hook.set_mode(HANG);
    set_hooks(&node, json!({"webhook_url": hook.url, "webhook_events": ["message.new"]})).await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let mut ws = node.connect(&bob).await;
    node.watch(&ws, &bob, &cid, false).await;
    const N: usize = 5;
    for i in 0..N {
        node.post_text(&cid, &alice, &format!("m{i}")).await;
        // the watcher gets each message while the endpoint hangs
        let ev = ws.wait_for("message.new", |e| e["message"]["text"] == format!("m{i}")).await;
        assert_eq!(ev["cid"], cid.as_str());
    }
    let first = hook.wait_for("first (unanswered) attempt", |v| v["type"] == "message.new").await;
    assert_eq!(first.attempt(), 1);
    hook.set_mode(OK);
    let got = hook.collect_until(Duration::from_secs(20), |got| {
        per_channel(got).get(&cid).map_or(0, Vec::len) >= N && got.iter().any(|r| r.id() == first.id() && r.attempt() > 1)
    });
    let got = got.await;
    let retried = got.iter().find(|r| r.id() == first.id() && r.attempt() > 1).unwrap();
    assert_eq!(retried.body, first.body, "a retry sends the same bytes");
    assert_eq!(per_channel(&got)[&cid], (0..N).map(|i| format!("m{i}")).collect::<Vec<_>>());
    hook.stop().await;
    node.stop().await;
}

#[actix_web::test]
async fn webhooks_failures_end_in_dead_letters() {
    let node = spawn_node_with(|c| {
        fast_webhooks(c);
        c.webhooks.retry_delays_ms = vec![20, 20];
    })
    .await;
    let mut hook = Receiver::start().await;
    hook.set_mode(400); // a 4xx other than 408/429 is final: one attempt
    set_hooks(&node, json!({"webhook_url": hook.url, "webhook_events": ["message.new"]})).await;
    let alice = uid("alice");
    let (_, cid) = node.messaging_room(&[&alice]).await;
    node.post_text(&cid, &alice, "to the dead letters").await;
    let first = hook.wait_for("400 attempt", |v| v["type"] == "message.new").await;
    node.wait_metric("webhook_dead_letters_total", 1, WAIT).await;
    hook.set_mode(500); // a 5xx is retried until the last attempt
    node.post_text(&cid, &alice, "retried then dead").await;
    let got = hook.collect_until(WAIT, |got| got.iter().filter(|r| r.attempt() == 3).count() == 1).await;
    assert!(got.iter().all(|r| r.id() != first.id()), "the 400 delivery was not retried");
    node.wait_metric("webhook_dead_letters_total", 2, WAIT).await;
    let r = node.server("GET", "/webhooks/dead_letters", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let letters = r.body["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), 2, "{}", r.body);
    assert_eq!(letters[0]["attempts"], 3, "newest first: the 500 one");
    assert_eq!(letters[0]["last_error"].as_str().unwrap(), "HTTP 500 Internal Server Error");
    assert_eq!(letters[1]["attempts"], 1);
    assert_eq!(letters[1]["job"]["id"], first.id().as_str());
    let body: Value = serde_json::from_str(letters[1]["job"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["message"]["text"], "to the dead letters");
    hook.stop().await;
    node.stop().await;
}

/// Dead letters are queued again on demand (`POST /webhooks/dead_letters/replay`): by id or all,
/// with their `X-Webhook-Id` and body, to the endpoint's current URL, and are gone from the list.
#[actix_web::test]
async fn dead_letters_are_replayed_by_id_or_all_to_the_current_url() {
    let node = spawn_node_with(|c| {
        fast_webhooks(c);
        c.webhooks.retry_delays_ms = vec![];
    })
    .await;
    let mut down = Receiver::start().await;
    down.set_mode(400); // final at once: straight to the dead letters
    set_hooks(&node, json!({"webhook_url": down.url, "webhook_events": ["message.new"]})).await;
    let alice = uid("alice");
    let (_, cid) = node.messaging_room(&[&alice]).await;
    node.post_text(&cid, &alice, "first").await;
    node.post_text(&cid, &alice, "second").await;
    let first = down.wait_for("first", |v| v["message"]["text"] == "first").await;
    let second = down.wait_for("second", |v| v["message"]["text"] == "second").await;
    node.wait_metric("webhook_dead_letters_total", 2, WAIT).await;

    // the endpoint moved: replays go to the current URL
    let mut up = Receiver::start().await;
    set_hooks(&node, json!({"webhook_url": up.url, "webhook_events": ["message.new"]})).await;
    let r = node.as_user(&alice, "POST", "/webhooks/dead_letters/replay", Some(json!({}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    let r = node.server("POST", "/webhooks/dead_letters/replay", Some(json!({"ids": ["no-such-id"]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["replayed"], json!([]));
    let r = node.server("POST", "/webhooks/dead_letters/replay", Some(json!({"ids": "x"}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);

    let r = node.server("POST", "/webhooks/dead_letters/replay", Some(json!({"ids": [first.id()]}))).await;
    assert_eq!(r.body["replayed"], json!([first.id()]), "{}", r.body);
    let again = up.wait_for("first, replayed", |v| v["message"]["text"] == "first").await;
    assert_eq!((again.id(), again.attempt()), (first.id(), 1));
    assert_eq!(again.body, first.body, "the body is the one rendered when the event happened");
    let r = node.server("GET", "/webhooks/dead_letters", None).await;
    let left: Vec<&str> = r.body["dead_letters"].as_array().unwrap().iter().map(|l| l["job"]["id"].as_str().unwrap()).collect();
    assert_eq!(left, vec![second.id().as_str()], "only the replayed letter left the list");

    // no ids: every dead letter
    let r = node.server("POST", "/webhooks/dead_letters/replay", None).await;
    assert_eq!(r.body["replayed"], json!([second.id()]), "{}", r.body);
    let again = up.wait_for("second, replayed", |v| v["message"]["text"] == "second").await;
    assert_eq!(again.id(), second.id());
    let r = node.server("GET", "/webhooks/dead_letters", None).await;
    assert_eq!(r.body["dead_letters"], json!([]), "{}", r.body);
    assert_eq!(node.metric("webhook_dead_letters_replayed_total").await, 2);
    down.stop().await;
    up.stop().await;
    node.stop().await;
}

/// One logical event published to several topics (here `notification.channel_deleted`, sent to
/// each member in turn) is delivered once, not once per recipient.
#[actix_web::test]
async fn webhooks_get_one_request_per_logical_event() {
    let node = spawn_node_with(fast_webhooks).await;
    let mut hook = Receiver::start().await;
    let events = ["notification.channel_deleted", "user.banned", "barrier"];
    set_hooks(&node, json!({"webhook_url": hook.url, "webhook_events": events})).await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (id, _) = node.messaging_room(&[&alice, &bob, &carol]).await;
    // a channel ban is published to the channel and to the banned user: one webhook
    let r = node.server("POST", "/moderation/ban", Some(json!({"target_user_id": bob, "type": "messaging", "id": id}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mark = node.user_barrier(&alice).await;
    let got = hook.collect_until(WAIT, |got| got.iter().any(|r| r.json["mark"] == mark.as_str())).await;
    let bans: Vec<_> = got.iter().filter(|r| r.json["type"] == "user.banned").collect();
    assert_eq!(bans.len(), 1, "{:?}", got.iter().map(|r| &r.json).collect::<Vec<_>>());
    assert_eq!(bans[0].json["user"]["id"], bob.as_str());
    assert_eq!(bans[0].json["cid"], format!("messaging:{id}"));
    let r = node.server("DELETE", &format!("/channels/messaging/{id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mark = node.user_barrier(&alice).await;
    let got = hook.collect_until(WAIT, |got| got.iter().any(|r| r.json["mark"] == mark.as_str())).await;
    let notes: Vec<_> = got.iter().filter(|r| r.json["type"] == "notification.channel_deleted").collect();
    assert_eq!(notes.len(), 1, "three members, one webhook: {:?}", got.iter().map(|r| &r.json).collect::<Vec<_>>());
    hook.stop().await;
    node.stop().await;
}
