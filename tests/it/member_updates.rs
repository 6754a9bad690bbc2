//! Member updates: promote/demote moderators and partial member updates (custom member data)
//! → member.updated to the channel's watchers only; who may update a member; bad input.

use crate::support::*;
use serde_json::json;

fn path(cid: &str, rest: &str) -> String {
    let (kind, id) = cid.split_once(':').unwrap();
    format!("/channels/{kind}/{id}{rest}")
}

#[actix_web::test]
async fn moderator_changes_reach_watchers_only() {
    let node = spawn_node().await;
    let (alice, bob, dave) = (uid("alice"), uid("bob"), uid("dave"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    node.upsert_users(&[&dave]).await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b_idle = node.connect(&bob).await;
    let mut d = node.connect(&dave).await;

    for (body, role) in [(json!({"add_moderators": [bob]}), "channel_moderator"), (json!({"demote_moderators": [bob]}), "channel_member")] {
        let r = node.server("POST", &path(&cid, ""), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let ev = a.event("member.updated").await;
        assert_eq!((ev["user"]["id"].clone(), ev["member"]["channel_role"].clone()), (json!(bob), json!(role)));
        assert_eq!(ev["member"]["user"]["id"], bob.as_str(), "the JS client keys members on member.user.id");
    }
    for (ws, user) in [(&mut b_idle, &bob), (&mut d, &dave)] {
        let mark = node.user_barrier(user).await;
        ws.assert_none_before(&mark, &["member.updated"]).await;
    }
    for ws in [a, b_idle, d] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn partial_member_update_sets_and_unsets_custom_data() {
    let node = spawn_node().await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (_, cid) = node.messaging_room(&[&alice, &bob, &carol]).await;
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut c_idle = node.connect(&carol).await;

    // the JS client's path: PATCH …/member, the member being the caller
    let r = node.as_user(&bob, "PATCH", &path(&cid, "/member"), Some(json!({"set": {"color": "red", "pinned": true}}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.body["channel_member"]["color"].clone(), r.body["channel_member"]["user_id"].clone()), (json!("red"), json!(bob)));
    let ev = a.event("member.updated").await;
    assert_eq!(
        (ev["member"]["color"].clone(), ev["member"]["pinned"].clone(), ev["user"]["id"].clone()),
        (json!("red"), json!(true), json!(bob))
    );

    let r = node.server("PATCH", &path(&cid, &format!("/member/{bob}")), Some(json!({"unset": ["color"]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ev = a.event("member.updated").await;
    assert!(ev["member"].get("color").is_none(), "{ev}");
    assert_eq!(ev["member"]["pinned"], true);
    let r = node.as_user(&alice, "POST", &path(&cid, "/query"), Some(json!({"state": true}))).await;
    let bob_member = r.body["members"].as_array().unwrap().iter().find(|m| m["user_id"] == bob.as_str()).unwrap().clone();
    assert_eq!((bob_member["pinned"].clone(), bob_member.get("color")), (json!(true), None));
    let mark = node.user_barrier(&carol).await;
    c_idle.assert_none_before(&mark, &["member.updated"]).await;

    let cases = [
        (carol.clone(), format!("/member/{bob}"), json!({"set": {"x": 1}}), 403, 17),
        (bob.clone(), "/member".to_owned(), json!({"set": {"channel_role": "channel_moderator"}}), 400, 4),
        (bob.clone(), "/member".to_owned(), json!({}), 400, 4),
    ];
    for (user, rest, body, status, code) in cases {
        let r = node.as_user(&user, "PATCH", &path(&cid, &rest), Some(body)).await;
        assert_eq!((r.status, r.body["code"].clone()), (status, json!(code)), "{rest}: {}", r.body);
    }
    let r = node.server("PATCH", &path(&cid, "/member/nobody-here"), Some(json!({"set": {"x": 1}}))).await;
    assert_eq!((r.status, r.body["code"].clone()), (404, json!(16)), "{}", r.body);
    a.close().await;
    c_idle.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn concurrent_partial_member_updates_are_all_kept() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    let member_path = path(&cid, &format!("/member/{bob}"));
    let updates = (0..20).map(|i| node.server("PATCH", &member_path, Some(json!({"set": {format!("k{i}"): i}}))));
    for r in futures_util::future::join_all(updates).await {
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = node.as_user(&alice, "POST", &path(&cid, "/query"), Some(json!({"state": true}))).await;
    let member = r.body["members"].as_array().unwrap().iter().find(|m| m["user_id"] == bob.as_str()).unwrap().clone();
    for i in 0..20 {
        assert_eq!(member[format!("k{i}")], i, "k{i} lost: {member}");
    }
    node.stop().await;
}
