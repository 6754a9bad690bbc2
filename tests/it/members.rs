//! member.added/removed/updated (user = the affected member) to watchers, and
//! notification.added_to_channel / removed_from_channel to the affected user's connections that
//! are not watching; channel.updated; channel.deleted and notification.channel_deleted.

use crate::support::*;
use serde_json::json;

struct Setup {
    node: TestNode,
    id: String,
    cid: String,
    alice: String,
    bob: String,
}

async fn setup() -> Setup {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let id = uid("room");
    node.create_channel("messaging", &id, &[&alice]).await;
    Setup { cid: format!("messaging:{id}"), node, id, alice, bob }
}

#[actix_web::test]
async fn adding_and_removing_members() {
    let Setup { node, id, cid, alice, bob } = setup().await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b_idle = node.connect(&bob).await; // not watching: gets notifications
    let b_watching = node.connect(&bob).await;
    // bob cannot watch yet (not a member) on his watching socket; the REST call says so
    let (kind, cid_id) = cid.split_once(':').unwrap();
    let r = node
        .as_user(
            &bob,
            "POST",
            &format!("/channels/{kind}/{cid_id}/query?connection_id={}", b_watching.connection_id),
            Some(json!({"watch": true})),
        )
        .await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)));

    let r = node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"add_members": [bob], "message": null}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["members"].as_array().unwrap().len(), 2);
    let ev = a.event("member.added").await;
    assert_eq!(ev["user"]["id"], bob.as_str());
    assert_eq!(ev["member"]["user"]["id"], bob.as_str());
    assert_eq!(ev["member"]["user_id"], bob.as_str());
    let note = b_idle.event("notification.added_to_channel").await;
    assert_eq!(note["cid"], cid.as_str());
    assert_eq!(note["channel"]["cid"], cid.as_str());

    // now bob watches on his second socket; a removal notifies only the idle one
    let mut b_watching = b_watching;
    node.watch(&b_watching, &bob, &cid, false).await;
    let r = node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"remove_members": [bob]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ev = a.event("member.removed").await;
    assert_eq!(ev["user"]["id"], bob.as_str(), "member.removed is keyed on user: the removed member");
    assert_eq!(b_idle.event("notification.removed_from_channel").await["cid"], cid.as_str());
    b_watching.event("member.removed").await;
    let mark = node.user_barrier(&bob).await;
    b_watching.assert_none_before(&mark, &["notification.removed_from_channel"]).await;
    for ws in [a, b_idle, b_watching] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn watching_members_get_no_added_notification() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let id = uid("live");
    node.create_channel("livestream", &id, &[&alice]).await;
    let cid = format!("livestream:{id}");
    let mut b = node.connect(&bob).await;
    node.watch(&b, &bob, &cid, false).await; // livestream: watching without membership
    let r = node.server("POST", &format!("/channels/livestream/{id}"), Some(json!({"add_members": [bob]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    b.event("member.added").await;
    let mark = node.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["notification.added_to_channel"]).await;
    b.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn promote_update_and_delete() {
    let Setup { node, id, cid, alice, bob } = setup().await;
    node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"add_members": [bob]}))).await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b_idle = node.connect(&bob).await;

    let r = node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"add_moderators": [bob]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ev = a.event("member.updated").await;
    assert_eq!(ev["user"]["id"], bob.as_str());
    assert_eq!(ev["member"]["channel_role"], "channel_moderator");

    // bob (a moderator now) updates the channel data as a user
    let r =
        node.as_user(&bob, "POST", &format!("/channels/messaging/{id}"), Some(json!({"data": {"name": "Renamed", "topic": "t"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["channel"]["name"], "Renamed");
    let ev = a.event("channel.updated").await;
    assert_eq!(ev["channel"]["name"], "Renamed");
    assert_eq!(ev["user"]["id"], bob.as_str());

    let r = node.server("PATCH", &format!("/channels/messaging/{id}"), Some(json!({"set": {"color": "blue"}, "unset": ["topic"]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ev = a.event("channel.updated").await;
    assert_eq!(ev["channel"]["color"], "blue");
    assert!(ev["channel"].get("topic").is_none());

    // a plain member may not update the channel
    let carol = uid("carol");
    node.upsert_users(&[&carol]).await;
    node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"add_members": [carol]}))).await;
    let r = node.as_user(&carol, "POST", &format!("/channels/messaging/{id}"), Some(json!({"data": {"name": "mine"}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    // but may leave
    let r = node.as_user(&carol, "POST", &format!("/channels/messaging/{id}"), Some(json!({"remove_members": [carol]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);

    let r = node.server("DELETE", &format!("/channels/messaging/{id}?hard_delete=false"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(a.event("channel.deleted").await["cid"], cid.as_str());
    assert_eq!(b_idle.event("notification.channel_deleted").await["cid"], cid.as_str());
    let r = node.server("POST", &format!("/channels/messaging/{id}/event"), Some(json!({"event": {"type": "x", "user_id": alice}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)));
    a.close().await;
    b_idle.close().await;
    node.stop().await;
}
