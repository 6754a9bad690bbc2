//! user.unread_message_reminder: after `timing.unread_reminder_secs`, once per user per unread
//! period, only for users who are offline and still have unread messages. The event goes to the
//! user's topic (the webhook tap's); the user has no socket, so the tests count it on /metrics
//! and use the reminder loop's pass counter as the barrier that proves nothing more fired.

use crate::support::*;
use std::time::Duration;

const WITHIN: Duration = Duration::from_secs(15);

/// Waits until every node's reminder loop finished two more passes (so any reminder they owed
/// has gone out).
pub async fn two_more_passes(nodes: &[&TestNode]) {
    for node in nodes {
        let passes = node.metric("unread_reminder_passes_total").await;
        node.wait_metric("unread_reminder_passes_total", passes + 2, WITHIN).await;
    }
}

#[actix_web::test]
async fn reminds_offline_users_with_unread_messages_once() {
    let node = spawn_node_with(|c| c.timing.unread_reminder_secs = 1).await;
    let (alice, bob, carol, dave) = (uid("alice"), uid("bob"), uid("carol"), uid("dave"));
    let (id, cid) = node.messaging_room(&[&alice, &bob, &carol, &dave]).await;
    let c = node.connect(&carol).await; // online: not reminded while connected
    node.post_text(&cid, &alice, "are you there?").await;
    let r = node.server("POST", &format!("/channels/messaging/{id}/read"), Some(serde_json::json!({"user_id": dave}))).await;
    assert_eq!(r.status, 201, "{}", r.body); // dave read it: his unread period is over

    node.wait_metric("unread_reminders_sent_total", 1, WITHIN).await; // bob (offline, unread)
    two_more_passes(&[&node]).await;
    assert_eq!(
        node.metric("unread_reminders_sent_total").await,
        1,
        "once for bob; not carol (online), not dave (read), not alice (sender)"
    );

    c.close().await; // carol goes offline with her message still unread
    node.wait_metric("unread_reminders_sent_total", 2, WITHIN).await;
    two_more_passes(&[&node]).await;
    assert_eq!(node.metric("unread_reminders_sent_total").await, 2);
    node.stop().await;
}
