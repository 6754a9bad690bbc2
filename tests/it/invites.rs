//! Invites: `invites` on create and update → notification.invited to the invitee's connections
//! that are not watching (member.added to watchers); accept/reject → member.updated to watchers
//! and notification.invite_accepted / invite_rejected to the invitee's connections that are not
//! watching; member records carry invited / invite_accepted_at / invite_rejected_at.

use crate::support::*;
use serde_json::{json, Value};

fn member_of(state: &Value, user: &str) -> Value {
    state["members"].as_array().expect("members").iter().find(|m| m["user_id"] == user).cloned().unwrap_or(Value::Null)
}

#[actix_web::test]
async fn invite_on_create_then_accept() {
    let node = spawn_node().await;
    let (alice, bob, dave) = (uid("alice"), uid("bob"), uid("dave"));
    node.upsert_users(&[&alice, &bob, &dave]).await;
    let mut b_idle = node.connect(&bob).await;
    let mut d = node.connect(&dave).await;
    let id = uid("room");
    let cid = format!("messaging:{id}");
    let body = json!({"data": {"members": [alice], "invites": [bob], "created_by_id": alice}});
    let r = node.server("POST", &format!("/channels/messaging/{id}/query"), Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(member_of(&r.body, &bob)["invited"], true);
    assert!(r.body["channel"].get("invites").is_none(), "invites are not channel data");

    let note = b_idle.event("notification.invited").await;
    assert_eq!((note["cid"].clone(), note["user"]["id"].clone(), note["member"]["invited"].clone()), (json!(cid), json!(bob), json!(true)));
    assert_eq!(note["channel"]["cid"], cid.as_str());
    let mark = node.user_barrier(&dave).await;
    d.assert_none_before(&mark, &["notification.invited"]).await;

    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b_watching = node.connect(&bob).await;
    node.watch(&b_watching, &bob, &cid, false).await;
    let r = node.as_user(&bob, "POST", &format!("/channels/messaging/{id}"), Some(json!({"accept_invite": true}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let accepted = member_of(&r.body, &bob);
    assert!(accepted["invite_accepted_at"].as_str().is_some(), "{accepted}");
    for ws in [&mut a, &mut b_watching] {
        let ev = ws.event("member.updated").await;
        assert_eq!(ev["user"]["id"], bob.as_str());
        assert!(ev["member"]["invite_accepted_at"].as_str().is_some(), "{ev}");
    }
    let note = b_idle.event("notification.invite_accepted").await;
    assert_eq!((note["cid"].clone(), note["user"]["id"].clone()), (json!(cid), json!(bob)));
    let mark = node.user_barrier(&bob).await;
    b_watching.assert_none_before(&mark, &["notification.invite_accepted"]).await;
    let mark = node.user_barrier(&alice).await;
    a.assert_none_before(&mark, &["notification.invite_accepted"]).await;

    let r = node.as_user(&bob, "POST", &format!("/channels/messaging/{id}"), Some(json!({"reject_invite": true}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (400, json!(4)), "already answered: {}", r.body);
    let r = node.as_user(&dave, "POST", &format!("/channels/messaging/{id}"), Some(json!({"accept_invite": true}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (400, json!(4)), "not invited: {}", r.body);
    for ws in [a, b_idle, b_watching, d] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn invite_on_update_then_reject() {
    let node = spawn_node().await;
    let (alice, carol) = (uid("alice"), uid("carol"));
    let (id, cid) = node.messaging_room(&[&alice]).await;
    node.upsert_users(&[&carol]).await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut c_idle = node.connect(&carol).await;

    let r = node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"invites": [carol], "user_id": alice}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let added = a.event("member.added").await;
    assert_eq!((added["user"]["id"].clone(), added["member"]["invited"].clone()), (json!(carol), json!(true)));
    assert_eq!(c_idle.event("notification.invited").await["cid"], cid.as_str());
    let mark = node.channel_barrier(&cid, &alice).await;
    a.assert_none_before(&mark, &["notification.invited"]).await;

    let r = node.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"reject_invite": true, "user_id": carol}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ev = a.event("member.updated").await;
    assert!(ev["member"]["invite_rejected_at"].as_str().is_some(), "{ev}");
    let note = c_idle.event("notification.invite_rejected").await;
    assert_eq!((note["cid"].clone(), note["user"]["id"].clone()), (json!(cid), json!(carol)));
    let r = node
        .server("POST", &format!("/channels/messaging/{id}"), Some(json!({"accept_invite": true, "reject_invite": true, "user_id": carol})))
        .await;
    assert_eq!((r.status, r.body["code"].clone()), (400, json!(4)), "{}", r.body);
    a.close().await;
    c_idle.close().await;
    node.stop().await;
}
