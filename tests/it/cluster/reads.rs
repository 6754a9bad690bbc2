//! Read state across nodes: unread counts counted once whichever node a message went through;
//! mark read through one node → message.read to watchers on every node and
//! notification.mark_read to the reader's connections on every node (not to other users);
//! channel.hidden / channel.visible to the user's connections on other nodes.

use super::Cluster;
use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn mark_read_reaches_watchers_and_the_readers_connections_on_every_node() {
    let cluster = Cluster::start(3).await;
    let [n0, n1, n2] = [&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]];
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (id, cid) = n0.messaging_room(&[&alice, &bob, &carol]).await;
    n1.post_text(&cid, &alice, "one").await;
    n2.post_text(&cid, &alice, "two").await;

    let mut a = n0.connect(&alice).await;
    n0.watch(&a, &alice, &cid, false).await;
    let mut b_watching = n1.connect(&bob).await;
    n1.watch(&b_watching, &bob, &cid, false).await;
    let mut b_idle = n2.connect(&bob).await; // bob's other connection, another node, not watching
    let mut c_idle = n0.connect(&carol).await;
    assert_eq!(b_idle.handshake["me"]["total_unread_count"], 2, "counted once per message over the cluster");

    // bob marks read through node 2
    let r = n2.as_user(&bob, "POST", &format!("/channels/messaging/{id}/read"), Some(json!({}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut a, &mut b_watching] {
        let ev = ws.event("message.read").await;
        assert_eq!((ev["cid"].clone(), ev["user"]["id"].clone()), (json!(cid), json!(bob)));
    }
    for ws in [&mut b_watching, &mut b_idle] {
        let note = ws.event("notification.mark_read").await;
        assert_eq!((note["total_unread_count"].clone(), note["unread_channels"].clone()), (json!(0), json!(0)));
    }
    let mark = n1.user_barrier(&alice).await;
    a.assert_none_before(&mark, &["notification.mark_read"]).await;
    let mark = n1.user_barrier(&carol).await;
    c_idle.assert_none_before(&mark, &["message.read", "notification.mark_read"]).await;
    let mark = n0.user_barrier(&bob).await;
    b_idle.assert_none_before(&mark, &["message.read"]).await;

    // every node answers the same read state
    for node in [n0, n1, n2] {
        let r = node.as_user(&carol, "POST", &format!("/channels/messaging/{id}/query"), Some(json!({"state": true}))).await;
        let read = r.body["read"].as_array().unwrap().clone();
        let of = |u: &str| read.iter().find(|r| r["user"]["id"] == u).unwrap()["unread_messages"].clone();
        assert_eq!((of(&bob), of(&carol)), (json!(0), json!(2)));
    }

    // hide through node 0 → bob's connections on nodes 1 and 2; a message through node 1 shows it
    let r = n0.as_user(&bob, "POST", &format!("/channels/messaging/{id}/hide"), None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for ws in [&mut b_watching, &mut b_idle] {
        assert_eq!(ws.event("channel.hidden").await["cid"], cid.as_str());
    }
    n1.post_text(&cid, &alice, "three").await;
    for ws in [&mut b_watching, &mut b_idle] {
        assert_eq!(ws.event("channel.visible").await["cid"], cid.as_str());
    }
    let mark = n2.user_barrier(&carol).await;
    c_idle.assert_none_before(&mark, &["channel.hidden", "channel.visible"]).await;
    for ws in [a, b_watching, b_idle, c_idle] {
        ws.close().await;
    }
    cluster.stop().await;
}
