//! Webhooks in a cluster: the queue is durable in Redis, so a node killed with -9 while it holds
//! pending deliveries loses nothing — another node takes its lanes over once the lease lapses
//! and delivers them, in order.

use super::Cluster;
use crate::support::*;
use crate::webhook_receiver::*;
use crate::webhooks::{fast_webhooks, set_hooks};
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

#[actix_web::test]
async fn a_killed_nodes_pending_deliveries_are_delivered_by_another_node() {
    let cluster = Cluster::start(0).await;
    let env = [
        ("HERALD_WEBHOOKS__LANES", "1".to_owned()),
        ("HERALD_WEBHOOKS__LEASE_MS", "1500".to_owned()),
        ("HERALD_WEBHOOKS__POLL_MS", "50".to_owned()),
        ("HERALD_WEBHOOKS__TIMEOUT_MS", "300".to_owned()),
        ("HERALD_WEBHOOKS__RETRY_DELAYS_MS", format!("[{}]", vec!["100"; 100].join(","))),
        ("HERALD_WEBHOOKS__SETTINGS_REFRESH_MS", "100".to_owned()),
    ];
    let mut a = spawn_process_with_env(&cluster.node_config("wh-a"), &env).await;
    let mut hook = Receiver::start().await;
    set_hooks(&a, json!({"event_hooks": [{"id": "durable", "webhook_url": hook.url, "event_types": ["message.new"]}]})).await;
    let alice = uid("alice");
    let (_, cid) = a.messaging_room(&[&alice]).await;
    // node a alone: its worker takes the lane (probe until its settings refresh picked the hook up)
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        a.post_text(&cid, &alice, "probe").await;
        if hook.next_within(Duration::from_millis(300)).await.is_some() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "node a never delivered");
    }
    while hook.next_within(Duration::from_millis(200)).await.is_some() {}

    let prefix = cluster.prefix.clone();
    let b = spawn_in_process(Some(&cluster.redis.url()), |c| {
        c.cluster.redis_prefix = prefix;
        c.node_id = "wh-b".into();
        fast_webhooks(c);
        c.webhooks.lanes = 1;
        c.webhooks.lease_ms = 1500;
        c.webhooks.poll_ms = 50;
    })
    .await;
    hook.set_mode(HANG);
    const N: usize = 5;
    for i in 0..N {
        b.post_text(&cid, &alice, &format!("m{i}")).await; // queued by b, owned by a's lane
    }
    let first = hook.wait_for("a's unanswered attempt", |v| v["message"]["text"] == "m0").await;
    assert_eq!(b.metric("webhook_deliveries_total").await, 0, "b does not own the lane yet");
    a.kill9();
    hook.set_mode(OK);
    let got = hook
        .collect_until(Duration::from_secs(20), |got| {
            let texts: HashSet<&str> = got.iter().filter_map(|r| r.json["message"]["text"].as_str()).collect();
            (0..N).all(|i| texts.contains(format!("m{i}").as_str()))
        })
        .await;
    assert!(got.iter().any(|r| r.id() == first.id()), "the delivery a left pending is redelivered with the same X-Webhook-Id");
    for r in &got {
        assert_eq!(r.header("x-signature"), stream_signature(SECRET, &r.body));
    }
    let mut seen = HashSet::new();
    let order: Vec<&str> = got.iter().filter(|r| seen.insert(r.id())).filter_map(|r| r.json["message"]["text"].as_str()).collect();
    let expected: Vec<String> = (0..N).map(|i| format!("m{i}")).collect();
    let order: Vec<&str> = order.into_iter().filter(|t| t.starts_with('m')).collect();
    assert_eq!(order, expected.iter().map(String::as_str).collect::<Vec<_>>(), "in order");
    b.wait_metric("webhook_deliveries_total", N as u64, WAIT).await;
    hook.stop().await;
    b.stop().await;
}

/// A node stopped gracefully gives its lanes up at once: another node resumes its pending
/// deliveries well before the lease (30 s here) would have lapsed.
#[actix_web::test]
async fn a_gracefully_stopped_node_hands_its_lanes_over_at_once() {
    let cluster = Cluster::start(0).await;
    let node = |id: &'static str| {
        let (url, prefix) = (cluster.redis.url(), cluster.prefix.clone());
        async move {
            spawn_in_process(Some(&url), |c| {
                c.cluster.redis_prefix = prefix;
                c.node_id = id.into();
                fast_webhooks(c);
                c.webhooks.lanes = 1;
                c.webhooks.lease_ms = 30_000;
                c.webhooks.poll_ms = 50;
            })
            .await
        }
    };
    let a = node("gr-a").await;
    let mut hook = Receiver::start().await;
    set_hooks(&a, json!({"event_hooks": [{"id": "graceful", "webhook_url": hook.url, "event_types": ["message.new"]}]})).await;
    let alice = uid("alice");
    let (_, cid) = a.messaging_room(&[&alice]).await;
    a.post_text(&cid, &alice, "probe").await;
    hook.wait_for("probe via a", |v| v["message"]["text"] == "probe").await;
    let b = node("gr-b").await;
    hook.set_mode(HANG);
    b.post_text(&cid, &alice, "pending").await;
    let first = hook.wait_for("a's unanswered attempt", |v| v["message"]["text"] == "pending").await;
    let stopping = tokio::time::Instant::now();
    a.control().shutdown().await;
    hook.set_mode(OK);
    let got = hook.collect_until(Duration::from_secs(5), |got| got.iter().any(|r| r.id() == first.id())).await;
    assert!(got.iter().any(|r| r.json["message"]["text"] == "pending"));
    assert!(stopping.elapsed() < Duration::from_secs(5), "taken over at once, not after the lease");
    b.wait_metric("webhook_deliveries_total", 1, WAIT).await;
    hook.stop().await;
    b.stop().await;
}
