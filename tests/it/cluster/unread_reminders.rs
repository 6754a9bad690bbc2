//! user.unread_message_reminder in a cluster: every node runs the reminder loop over the shared
//! queue; the claim in Redis makes it fire once for the user, whichever node sends it.

use crate::redis_server::RedisServer;
use crate::support::*;
use crate::unread_reminders::two_more_passes;
use std::time::Duration;

#[actix_web::test]
async fn a_reminder_fires_once_over_three_nodes() {
    let redis = RedisServer::start().await;
    let prefix = uid("hx");
    let mut nodes = Vec::new();
    for i in 0..3 {
        nodes.push(
            spawn_in_process(Some(&redis.url()), |c| {
                c.cluster.redis_prefix = prefix.clone();
                c.node_id = format!("node-{i}");
                c.timing.unread_reminder_secs = 1;
            })
            .await,
        );
    }
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (_, cid) = nodes[0].messaging_room(&[&alice, &bob]).await;
    nodes[1].post_text(&cid, &alice, "one").await;
    nodes[2].post_text(&cid, &alice, "two").await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while total(&nodes).await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no reminder within 15 s");
        let passes = nodes[0].metric("unread_reminder_passes_total").await;
        nodes[0].wait_metric("unread_reminder_passes_total", passes + 1, Duration::from_secs(15)).await;
    }
    two_more_passes(&nodes.iter().collect::<Vec<_>>()).await;
    assert_eq!(total(&nodes).await, 1, "bob is reminded once over the cluster");
    for node in nodes {
        node.stop().await;
    }
}

/// Reminders sent over every node.
async fn total(nodes: &[TestNode]) -> u64 {
    let mut sum = 0;
    for n in nodes {
        sum += n.metric("unread_reminders_sent_total").await;
    }
    sum
}
