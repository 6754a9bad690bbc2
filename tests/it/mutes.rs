//! User mutes: notification.mutes_updated with the whole `me.mutes` to every connection of the
//! muting user and to nobody else; `me.mutes` on connect; timeouts; server-side calls; bad input.

use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn mutes_update_the_muting_users_connections_only() {
    let node = spawn_node().await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    node.upsert_users(&[&alice, &bob, &carol]).await;
    let mut a1 = node.connect(&alice).await;
    let mut a2 = node.connect(&alice).await;
    let mut b = node.connect(&bob).await;
    assert_eq!(a1.handshake["me"]["mutes"], json!([]));

    let r = node.as_user(&alice, "POST", "/moderation/mute", Some(json!({"target_ids": [bob], "timeout": 60}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["mute"]["target"]["id"], bob.as_str());
    assert_eq!(r.body["mute"]["user"]["id"], alice.as_str());
    assert!(r.body["mute"]["expires"].as_str().is_some(), "{}", r.body);
    assert_eq!(r.body["own_user"]["mutes"][0]["target"]["id"], bob.as_str());
    for ws in [&mut a1, &mut a2] {
        let ev = ws.event("notification.mutes_updated").await;
        assert_eq!(ev["me"]["id"], alice.as_str());
        let mutes = ev["me"]["mutes"].as_array().unwrap();
        assert_eq!(mutes.len(), 1, "{ev}");
        assert_eq!(mutes[0]["target"]["id"], bob.as_str());
        assert!(ev["me"]["channel_mutes"].is_array(), "me stays complete: {ev}");
    }
    let mark = node.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["notification.mutes_updated"]).await;

    // a server-side call names the user; the legacy target_id works too
    let r = node.server("POST", "/moderation/mute", Some(json!({"target_id": carol, "user_id": alice}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ev = a1.event("notification.mutes_updated").await;
    assert_eq!(ev["me"]["mutes"].as_array().unwrap().len(), 2, "{ev}");

    // the handshake of a new connection carries the mutes
    let fresh = node.connect(&alice).await;
    let targets: Vec<&str> =
        fresh.handshake["me"]["mutes"].as_array().unwrap().iter().map(|m| m["target"]["id"].as_str().unwrap()).collect();
    assert!(targets.contains(&bob.as_str()) && targets.contains(&carol.as_str()), "{}", fresh.handshake);

    let r = node.as_user(&alice, "POST", "/moderation/unmute", Some(json!({"target_ids": [bob, carol]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut a1, &mut a2] {
        let ev = ws.wait_for("notification.mutes_updated", |e| e["me"]["mutes"] == json!([])).await;
        assert_eq!(ev["me"]["id"], alice.as_str());
    }
    let mark = node.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["notification.mutes_updated"]).await;
    let after = node.connect(&alice).await;
    assert_eq!(after.handshake["me"]["mutes"], json!([]));
    for ws in [a1, a2, b, fresh, after] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn expired_mutes_are_gone() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    // 0.005 minutes = 300 ms
    let r = node.as_user(&alice, "POST", "/moderation/mute", Some(json!({"target_ids": [bob], "timeout": 0.005}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let ws = node.connect(&alice).await;
        let empty = ws.handshake["me"]["mutes"] == json!([]);
        ws.close().await;
        if empty {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the mute did not expire");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn mute_bad_input() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let code = |r: &Reply| (r.status, r.body["code"].as_i64().unwrap_or(0));
    let r = node.as_user(&alice, "POST", "/moderation/mute", Some(json!({"target_ids": [uid("nobody")]}))).await;
    assert_eq!(code(&r), (404, 16), "{}", r.body);
    let r = node.as_user(&alice, "POST", "/moderation/mute", Some(json!({}))).await;
    assert_eq!(code(&r), (400, 4), "{}", r.body);
    let r = node.as_user(&alice, "POST", "/moderation/mute", Some(json!({"target_ids": [alice]}))).await;
    assert_eq!(code(&r), (400, 4), "{}", r.body);
    let r = node.server("POST", "/moderation/mute", Some(json!({"target_ids": [bob]}))).await;
    assert_eq!(code(&r), (400, 4), "server calls name the user: {}", r.body);
    let r = node.as_user(&alice, "POST", "/moderation/mute", Some(json!({"target_ids": [bob], "timeout": "soon"}))).await;
    assert_eq!(code(&r), (400, 4), "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn user_muted_and_unmuted_reach_the_muting_user_once_per_target_and_never_the_target() {
    let node = spawn_node().await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    node.upsert_users(&[&alice, &bob, &carol]).await;
    let mut a = node.connect(&alice).await;
    let mut b = node.connect(&bob).await;

    let r = node.as_user(&alice, "POST", "/moderation/mute", Some(json!({"target_ids": [bob, carol]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut muted = Vec::new();
    for _ in 0..2 {
        let ev = a.event("user.muted").await;
        assert_eq!(ev["user"]["id"], alice.as_str(), "{ev}");
        muted.push(ev["target_user"]["id"].as_str().unwrap().to_owned());
    }
    muted.sort();
    let mut expected = vec![bob.clone(), carol.clone()];
    expected.sort();
    assert_eq!(muted, expected);

    // unmuting bob and a user alice never muted: one user.unmuted, for bob only
    let dave = uid("dave");
    node.upsert_users(&[&dave]).await;
    let r = node.as_user(&alice, "POST", "/moderation/unmute", Some(json!({"target_ids": [bob, dave]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ev = a.event("user.unmuted").await;
    assert_eq!(ev["target_user"]["id"], bob.as_str(), "{ev}");
    let mark = node.user_barrier(&alice).await;
    a.assert_none_before(&mark, &["user.unmuted", "user.muted"]).await;
    let mark = node.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["user.muted", "user.unmuted"]).await;
    a.close().await;
    b.close().await;
    node.stop().await;
}
