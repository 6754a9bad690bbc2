//! Channel and user events across nodes: every watcher on every node, every connection of a user
//! on every node, watcher counts and presence over the whole cluster, and one order per channel.

use super::Cluster;
use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn channel_events_reach_watchers_on_every_node() {
    let cluster = Cluster::start(3).await;
    let [n0, n1, n2] = [&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]];
    let (alice, bob, carol, dave) = (uid("alice"), uid("bob"), uid("carol"), uid("dave"));
    let (id, cid) = n1.messaging_room(&[&alice, &bob, &carol]).await;
    n0.upsert_users(&[&dave]).await;

    let mut a = n0.connect(&alice).await;
    n0.watch(&a, &alice, &cid, false).await;
    let mut b = n1.connect(&bob).await;
    n1.watch(&b, &bob, &cid, false).await;
    let ev = a.wait_for("user.watching.start", |e| e["user"]["id"] == bob.as_str()).await;
    assert_eq!(ev["watcher_count"], 2);
    let mut c = n2.connect(&carol).await;
    let state = n2.watch(&c, &carol, &cid, false).await;
    assert_eq!(state["watcher_count"], 3, "watchers on all nodes: {state}");
    for ws in [&mut a, &mut b] {
        let ev = ws.wait_for("user.watching.start", |e| e["user"]["id"] == carol.as_str()).await;
        assert_eq!(ev["watcher_count"], 3);
    }

    // a custom event through REST on node 0 reaches watchers on nodes 0, 1 and 2
    let r = n0.channel_event(&cid, &alice, json!({"type": "friendship_request", "text": "hi"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut a, &mut b, &mut c] {
        let ev = ws.event("friendship_request").await;
        assert_eq!(ev["user"]["id"], alice.as_str());
        assert_eq!(ev["cid"], cid.as_str());
    }
    // typing through a socket frame on node 1
    b.send_text(json!({"type": "typing.start", "cid": cid}).to_string()).await;
    for ws in [&mut a, &mut c] {
        assert_eq!(ws.event("typing.start").await["user"]["id"], bob.as_str());
    }

    // membership through node 2: member.added to every watcher, the notification to dave's
    // socket on node 0 (he does not watch)
    let mut d = n0.connect(&dave).await;
    let r = n2.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"add_members": [dave]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut a, &mut b, &mut c] {
        assert_eq!(ws.event("member.added").await["user"]["id"], dave.as_str());
    }
    assert_eq!(d.event("notification.added_to_channel").await["channel"]["cid"], cid.as_str());

    // channel.updated through node 1
    let r = n1.server("POST", &format!("/channels/messaging/{id}"), Some(json!({"data": {"topic": "cluster"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut a, &mut b, &mut c] {
        assert_eq!(ws.event("channel.updated").await["channel"]["topic"], "cluster");
    }

    // carol leaves: the others see the count over all nodes drop
    c.close().await;
    for ws in [&mut a, &mut b] {
        let ev = ws.wait_for("user.watching.stop", |e| e["user"]["id"] == carol.as_str()).await;
        assert_eq!(ev["watcher_count"], 2);
    }
    for ws in [a, b, d] {
        ws.close().await;
    }
    cluster.stop().await;
}

#[actix_web::test]
async fn five_hundred_events_from_one_node_arrive_complete_and_in_order_on_the_others() {
    const EVENTS: u64 = 500;
    let cluster = Cluster::start(3).await;
    let [n0, n1, n2] = [&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]];
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (_, cid) = n0.messaging_room(&[&alice, &bob, &carol]).await;
    let mut a = n0.connect(&alice).await;
    n0.watch(&a, &alice, &cid, false).await;
    let mut b = n1.connect(&bob).await;
    n1.watch(&b, &bob, &cid, false).await;
    let mut c = n2.connect(&carol).await;
    n2.watch(&c, &carol, &cid, false).await;

    // half through alice's socket on node 0, half through REST on node 0, one after the other
    for seq in 0..EVENTS / 2 {
        a.send_text(json!({"type": "seq", "cid": cid, "seq": seq}).to_string()).await;
    }
    let last_socket = a.wait_for("seq", |e| e["seq"] == EVENTS / 2 - 1).await;
    assert_eq!(last_socket["user"]["id"], alice.as_str());
    for seq in EVENTS / 2..EVENTS {
        let r = n0.channel_event(&cid, &alice, json!({"type": "seq", "seq": seq})).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    for ws in [&mut b, &mut c] {
        for expected in 0..EVENTS {
            let ev = ws.event("seq").await;
            assert_eq!(ev["seq"], expected, "events arrive complete and in publication order");
        }
    }
    for ws in [a, b, c] {
        ws.close().await;
    }
    cluster.stop().await;
}

#[actix_web::test]
async fn user_events_reach_every_connection_of_the_user_on_every_node() {
    let cluster = Cluster::start(3).await;
    let [n0, n1, n2] = [&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]];
    let (alice, bob) = (uid("alice"), uid("bob"));
    n0.upsert_users(&[&alice, &bob]).await;
    let mut b0 = n0.connect(&bob).await;
    let mut b2 = n2.connect(&bob).await;
    let mut a1 = n1.connect(&alice).await;
    let r = n1.server("POST", &format!("/users/{bob}/event"), Some(json!({"event": {"type": "invoice_paid", "amount": 5}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut b0, &mut b2] {
        assert_eq!(ws.event("invoice_paid").await["amount"], 5);
    }
    let mark = n2.user_barrier(&alice).await;
    a1.assert_none_before(&mark, &["invoice_paid"]).await;
    for ws in [b0, b2, a1] {
        ws.close().await;
    }
    cluster.stop().await;
}

#[actix_web::test]
async fn presence_counts_connections_on_every_node() {
    let cluster = Cluster::start(3).await;
    let [n0, n1, n2] = [&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]];
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = n0.messaging_room(&[&alice, &bob]).await;
    let mut a = n0.connect(&alice).await;
    n0.watch(&a, &alice, &cid, true).await;

    let b1 = n1.connect(&bob).await; // first connection anywhere: online
    let ev = a.wait_for("user.presence.changed", |e| e["user"]["id"] == bob.as_str()).await;
    assert_eq!(ev["user"]["online"], true);
    let b2 = n2.connect(&bob).await; // second, on another node: no event
    b1.close().await; // not the last anywhere: no event
    b2.close().await; // the last: offline
    let ev = a.wait_for("user.presence.changed", |e| e["user"]["id"] == bob.as_str()).await;
    assert_eq!(ev["user"]["online"], false, "the next presence event after online is offline: {ev}");
    let users =
        n1.server("GET", &format!("/users?payload={}", urlencode(&json!({"filter_conditions": {"id": bob}}).to_string())), None).await;
    assert_eq!(users.body["users"][0]["online"], false, "{}", users.body);
    a.close().await;
    cluster.stop().await;
}
