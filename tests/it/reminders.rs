//! Message reminders: reminder.created / .updated / .deleted and notification.reminder_due to
//! the owner's connections only; the query; a due reminder fires once; bad input.

use crate::support::*;
use serde_json::{json, Value};

/// A time `ms` milliseconds from now, RFC 3339.
pub fn in_ms(ms: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::milliseconds(ms)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[actix_web::test]
async fn reminder_events_reach_the_owner_only() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let msg = node.post_text(&cid, &bob, "call me").await["id"].as_str().unwrap().to_owned();
    let mut a1 = node.connect(&alice).await;
    let mut a2 = node.connect(&alice).await;
    let mut b = node.connect(&bob).await;
    node.watch(&b, &bob, &cid, false).await;
    let path = format!("/messages/{msg}/reminders");

    let at = in_ms(3_600_000);
    let r = node.as_user(&alice, "POST", &path, Some(json!({"remind_at": at}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["reminder"]["message_id"], msg.as_str());
    assert_eq!(r.body["reminder"]["channel_cid"], cid.as_str());
    assert_eq!(r.body["reminder"]["message"]["text"], "call me");
    for ws in [&mut a1, &mut a2] {
        let ev = ws.event("reminder.created").await;
        assert_eq!(ev["reminder"]["user_id"], alice.as_str());
        assert_eq!(ev["message_id"], msg.as_str());
        assert_eq!(ev["cid"], cid.as_str());
    }
    let r = node.as_user(&alice, "POST", &path, Some(json!({}))).await;
    assert_eq!(r.status, 400, "one reminder per message and user: {}", r.body);

    let r = node.as_user(&alice, "PATCH", &path, Some(json!({"remind_at": null}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for ws in [&mut a1, &mut a2] {
        let ev = ws.event("reminder.updated").await;
        assert_eq!(ev["reminder"]["remind_at"], Value::Null);
    }
    let r = node.as_user(&alice, "POST", "/reminders/query", Some(json!({"filter": {"channel_cid": cid}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["reminders"].as_array().unwrap().len(), 1, "{}", r.body);
    let r = node.as_user(&bob, "POST", "/reminders/query", Some(json!({}))).await;
    assert_eq!(r.body["reminders"], json!([]), "bob has none: {}", r.body);

    let r = node.as_user(&alice, "DELETE", &path, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for ws in [&mut a1, &mut a2] {
        ws.event("reminder.deleted").await;
    }
    let mark = node.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["reminder.created", "reminder.updated", "reminder.deleted"]).await;
    let r = node.as_user(&alice, "DELETE", &path, None).await;
    assert_eq!(r.status, 404, "{}", r.body);
    for ws in [a1, a2, b] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn a_due_reminder_reaches_its_owner_once() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let first = node.post_text(&cid, &bob, "first").await["id"].as_str().unwrap().to_owned();
    let second = node.post_text(&cid, &bob, "second").await["id"].as_str().unwrap().to_owned();
    let mut a = node.connect(&alice).await;
    let mut b = node.connect(&bob).await;
    // server-side, naming the user
    for (msg, ms) in [(&first, 300), (&second, 1_300)] {
        let r = node.server("POST", &format!("/messages/{msg}/reminders"), Some(json!({"user_id": alice, "remind_at": in_ms(ms)}))).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let ev = a.wait_for("notification.reminder_due", |_| true).await;
    assert_eq!(ev["message_id"], first.as_str());
    assert_eq!(ev["reminder"]["message"]["text"], "first");
    // the second fires a second later; the first never again in between
    loop {
        let ev = a.event("notification.reminder_due").await;
        assert_ne!(ev["message_id"], first.as_str(), "fired twice: {ev}");
        if ev["message_id"] == second.as_str() {
            break;
        }
    }
    let mark = node.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["notification.reminder_due", "reminder.created"]).await;
    a.close().await;
    b.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn reminder_bad_input() {
    let node = spawn_node().await;
    let (alice, bob, eve) = (uid("alice"), uid("bob"), uid("eve"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    node.upsert_users(&[&eve]).await;
    let msg = node.post_text(&cid, &bob, "x").await["id"].as_str().unwrap().to_owned();
    let code = |r: &Reply| (r.status, r.body["code"].as_i64().unwrap_or(0));
    let r = node.as_user(&alice, "POST", &format!("/messages/{}/reminders", uid("nomsg")), None).await;
    assert_eq!(code(&r), (404, 16), "{}", r.body);
    let r = node.as_user(&eve, "POST", &format!("/messages/{msg}/reminders"), None).await;
    assert_eq!(code(&r), (403, 17), "{}", r.body);
    let r = node.as_user(&alice, "POST", &format!("/messages/{msg}/reminders"), Some(json!({"remind_at": "tomorrow"}))).await;
    assert_eq!(code(&r), (400, 4), "{}", r.body);
    let r = node.as_user(&alice, "PATCH", &format!("/messages/{msg}/reminders"), Some(json!({}))).await;
    assert_eq!(code(&r), (404, 16), "{}", r.body);
    let r = node.server("POST", &format!("/messages/{msg}/reminders"), None).await;
    assert_eq!(code(&r), (400, 4), "server calls name the user: {}", r.body);
    node.stop().await;
}
