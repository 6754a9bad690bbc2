//! user.watching.start/stop with an accurate watcher_count (distinct users), watch bound to a
//! connection_id (400/4 without one), stop-watching, and a closed socket dropping its watches.

use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn watching_events_carry_distinct_user_counts() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let id = uid("room");
    let cid = format!("messaging:{id}");
    node.create_channel("messaging", &id, &[&alice, &bob]).await;
    let mut a = node.connect(&alice).await;
    let state = node.watch(&a, &alice, &cid, false).await;
    assert_eq!(state["watcher_count"], 1);
    let ev = a.event("user.watching.start").await;
    assert_eq!((ev["user"]["id"].as_str(), ev["watcher_count"].as_i64()), (Some(alice.as_str()), Some(1)));

    let b1 = node.connect(&bob).await;
    node.watch(&b1, &bob, &cid, false).await;
    let ev = a.event("user.watching.start").await;
    assert_eq!((ev["user"]["id"].as_str(), ev["watcher_count"].as_i64()), (Some(bob.as_str()), Some(2)));

    // bob's second connection: still two watching users, no second start
    let b2 = node.connect(&bob).await;
    let state = node.watch(&b2, &bob, &cid, false).await;
    assert_eq!(state["watcher_count"], 2);
    let ids: Vec<&str> = state["watchers"].as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&alice.as_str()) && ids.contains(&bob.as_str()), "{ids:?}");

    // stop-watching on one of bob's connections: no stop yet
    let r = node
        .as_user(&bob, "POST", &format!("/channels/messaging/{id}/stop-watching?connection_id={}", b1.connection_id), Some(json!({})))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mark = node.channel_barrier(&cid, &alice).await;
    a.assert_none_before(&mark, &["user.watching.stop"]).await;

    // closing bob's other (last watching) connection: stop with count 1
    b2.close().await;
    let ev = a.event("user.watching.stop").await;
    assert_eq!((ev["user"]["id"].as_str(), ev["watcher_count"].as_i64()), (Some(bob.as_str()), Some(1)));
    a.close().await;
    b1.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn watch_and_presence_need_a_live_connection_of_the_caller() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let id = uid("room");
    node.create_channel("messaging", &id, &[&alice, &bob]).await;
    let path = format!("/channels/messaging/{id}/query");
    for body in [json!({"watch": true}), json!({"presence": true})] {
        let r = node.as_user(&alice, "POST", &path, Some(body.clone())).await;
        assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{body}: {}", r.body);
        assert!(r.body["message"].as_str().unwrap().contains("connection_id"));
        let r = node.as_user(&alice, "POST", &format!("{path}?connection_id=not-a-connection"), Some(body)).await;
        assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    }
    // bob may not watch on alice's connection
    let a = node.connect(&alice).await;
    let r = node.as_user(&bob, "POST", &format!("{path}?connection_id={}", a.connection_id), Some(json!({"watch": true}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    // without watch the query is fine and registers nothing
    let r = node.as_user(&alice, "POST", &path, Some(json!({"state": true}))).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["watcher_count"], 0);
    a.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn idle_channel_actors_stop_when_the_last_watcher_leaves() {
    let node = spawn_node().await;
    let alice = uid("alice");
    node.upsert_users(&[&alice]).await;
    let id = uid("room");
    node.create_channel("livestream", &id, &[&alice]).await;
    let a = node.connect(&alice).await;
    node.watch(&a, &alice, &format!("livestream:{id}"), false).await;
    assert_eq!(node.metric("channel_actors").await, 1);
    assert_eq!(node.metric("local_connections").await, 1);
    a.close().await;
    // the close is processed asynchronously: poll the gauge with a deadline
    let deadline = tokio::time::Instant::now() + WAIT;
    while node.metric("channel_actors").await != 0 || node.metric("user_actors").await != 0 {
        assert!(tokio::time::Instant::now() < deadline, "actors not stopped");
        tokio::task::yield_now().await;
    }
    node.stop().await;
}
