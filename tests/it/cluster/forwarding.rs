//! REST calls that name a `connection_id` living on another node (a load balancer sends REST and
//! WebSocket to different pods): watch, stop-watching and presence run where the socket is.

use super::Cluster;
use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn watch_and_stop_watching_for_a_socket_on_another_node() {
    let cluster = Cluster::start(3).await;
    let [n0, n1, n2] = [&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]];
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (id, cid) = n0.messaging_room(&[&alice, &bob]).await;
    let mut a = n2.connect(&alice).await;
    n2.watch(&a, &alice, &cid, false).await;

    let mut b = n1.connect(&bob).await; // bob's socket is on node 1, his REST calls go to node 0
    let state = n0.watch(&b, &bob, &cid, false).await;
    assert_eq!(state["watcher_count"], 2, "{state}");
    assert_eq!(a.wait_for("user.watching.start", |e| e["user"]["id"] == bob.as_str()).await["watcher_count"], 2);
    let r = n2.channel_event(&cid, &alice, json!({"type": "ping", "n": 1})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(b.event("ping").await["n"], 1);

    let path = format!("/channels/messaging/{id}/stop-watching?connection_id={}", b.connection_id);
    let r = n2.as_user(&bob, "POST", &path, Some(json!({}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(a.wait_for("user.watching.stop", |e| e["user"]["id"] == bob.as_str()).await["watcher_count"], 1);
    // node 1 no longer delivers the channel to bob: an event, then a barrier on bob's own topic
    // (node 1 receives both on its one Redis link, in publication order)
    let r = n0.channel_event(&cid, &alice, json!({"type": "ping", "n": 2})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mark = n0.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["ping"]).await;
    a.close().await;
    b.close().await;
    cluster.stop().await;
}

#[actix_web::test]
async fn presence_for_a_socket_on_another_node() {
    let cluster = Cluster::start(3).await;
    let [n0, n1, n2] = [&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]];
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = n0.messaging_room(&[&alice, &bob]).await;
    let mut b = n1.connect(&bob).await;
    n0.watch(&b, &bob, &cid, true).await; // through node 0, follow presence
    let a = n2.connect(&alice).await;
    let ev = b.wait_for("user.presence.changed", |e| e["user"]["id"] == alice.as_str()).await;
    assert_eq!(ev["user"]["online"], true);
    a.close().await;
    b.close().await;
    cluster.stop().await;
}

#[actix_web::test]
async fn foreign_and_unknown_connection_ids_are_refused() {
    let cluster = Cluster::start(2).await;
    let [n0, n1] = [&cluster.nodes[0], &cluster.nodes[1]];
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (id, _) = n0.messaging_room(&[&alice, &bob]).await;
    let b = n1.connect(&bob).await;
    // alice names bob's connection (on node 1) in a call to node 0
    let path = format!("/channels/messaging/{id}/query?connection_id={}", b.connection_id);
    let r = n0.as_user(&alice, "POST", &path, Some(json!({"watch": true}))).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.body["code"], 17);
    let path = format!("/channels/messaging/{id}/query?connection_id=not-a-connection");
    let r = n0.as_user(&alice, "POST", &path, Some(json!({"watch": true}))).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["code"], 4);
    b.close().await;
    cluster.stop().await;
}
