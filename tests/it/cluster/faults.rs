//! Redis stopped and restarted under running nodes: they report not-ready, refuse what needs
//! Redis with 503 / code 23 at once, keep their sockets, and deliver again afterwards without
//! any client reconnecting.

use super::Cluster;
use crate::support::*;
use serde_json::json;
use std::time::Duration;

#[actix_web::test]
async fn nodes_ride_out_a_redis_restart() {
    let mut cluster = Cluster::start(2).await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (cid, mut a, mut b, c) = {
        let [n0, n1] = [&cluster.nodes[0], &cluster.nodes[1]];
        let (_, cid) = n0.messaging_room(&[&alice, &bob, &carol]).await;
        let a = n0.connect(&alice).await;
        n0.watch(&a, &alice, &cid, true).await;
        let b = n1.connect(&bob).await;
        n1.watch(&b, &bob, &cid, false).await;
        let c = n1.connect(&carol).await;
        n1.watch(&c, &carol, &cid, false).await;
        (cid, a, b, c)
    };

    cluster.redis.stop();
    for node in &cluster.nodes {
        node.wait_readyz(503, Duration::from_secs(10)).await;
    }
    let r = cluster.nodes[0].channel_event(&cid, &alice, json!({"type": "lost"})).await;
    eprintln!("REST during the outage answered in {}", r.body["duration"]);
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.body["code"], 23, "{}", r.body);
    a.assert_alive().await; // sockets stay open and answer heartbeats
    b.assert_alive().await;
    // a new socket is refused with code 23 and a close code the SDKs reconnect on
    let node = &cluster.nodes[0];
    let mut late = node.connect_raw(&alice, &node.user_token(&alice), json!({"user_id": alice})).await;
    match late.next_incoming(WAIT).await {
        Some(Incoming::Json(frame)) => assert_eq!(frame["error"]["code"], 23, "{frame}"),
        other => panic!("expected an error frame, got {other:?}"),
    }
    assert_eq!(late.closed().await, Some(herald_proto::close::UNAVAILABLE));
    c.close().await; // closes while Redis is away: its node cannot record it yet
    cluster.nodes[1].wait_metric("connection_changes_unrecorded_total", 1, Duration::from_secs(10)).await;

    cluster.redis.restart().await;
    for node in &cluster.nodes {
        node.wait_readyz(200, Duration::from_secs(15)).await;
    }
    let r = cluster.nodes[0].channel_event(&cid, &alice, json!({"type": "after", "n": 1})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(b.event("after").await["n"], 1, "node 1 resubscribed: bob hears node 0 again");
    assert_eq!(a.event("after").await["n"], 1);
    let r = cluster.nodes[1].channel_event(&cid, &bob, json!({"type": "after", "n": 2})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(a.event("after").await["n"], 2);
    for node in &cluster.nodes {
        assert!(node.metric("bus_resubscribes_total").await >= 1);
    }
    // once node 1 has been back long enough to reconcile, carol's departure goes out
    let bound = Duration::from_secs(10);
    let ev = a.wait_for_within("user.watching.stop", |e| e["user"]["id"] == carol.as_str(), bound).await;
    assert_eq!(ev["watcher_count"], 2);
    let ev = a.wait_for_within("user.presence.changed", |e| e["user"]["id"] == carol.as_str(), bound).await;
    assert_eq!(ev["user"]["online"], false);
    a.close().await;
    b.close().await;
    cluster.stop().await;
}
