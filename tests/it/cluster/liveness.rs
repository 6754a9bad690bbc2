//! A node killed with -9 says no goodbye: the survivors notice within the node timeout (3 s in
//! tests) and publish the watching and presence events it owed, exactly once.

use super::Cluster;
use crate::support::*;
use std::time::Duration;

#[actix_web::test]
async fn survivors_publish_what_a_killed_node_owed() {
    let cluster = Cluster::start(2).await;
    let [n0, n1] = [&cluster.nodes[0], &cluster.nodes[1]];
    let mut doomed = spawn_process(&cluster.node_config("doomed")).await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (id, cid) = n0.messaging_room(&[&alice, &bob]).await;
    let mut a = n0.connect(&alice).await;
    n0.watch(&a, &alice, &cid, true).await;

    let b = doomed.connect(&bob).await;
    doomed.watch(&b, &bob, &cid, false).await;
    assert_eq!(a.wait_for("user.presence.changed", |e| e["user"]["id"] == bob.as_str()).await["user"]["online"], true);
    assert_eq!(a.wait_for("user.watching.start", |e| e["user"]["id"] == bob.as_str()).await["watcher_count"], 2);

    doomed.kill9();
    let bound = Duration::from_secs(3 + 5); // node timeout + the harness's usual margin
    let ev = a.wait_for_within("user.watching.stop", |e| e["user"]["id"] == bob.as_str(), bound).await;
    assert_eq!(ev["watcher_count"], 1);
    let ev = a.wait_for_within("user.presence.changed", |e| e["user"]["id"] == bob.as_str(), bound).await;
    assert_eq!(ev["user"]["online"], false);
    let state = n1.server("POST", &format!("/channels/messaging/{id}/query"), Some(serde_json::json!({"state": true}))).await;
    assert_eq!(state.body["watcher_count"], 1, "{}", state.body);
    assert_eq!(n0.metric("reaped_connections_total").await + n1.metric("reaped_connections_total").await, 1, "cleaned up once");
    assert_eq!(n0.metric("nodes_reaped_total").await + n1.metric("nodes_reaped_total").await, 1);
    drop(b);
    a.close().await;
    cluster.stop().await;
}

#[actix_web::test]
async fn a_node_stopping_gracefully_publishes_its_departures_and_leaves() {
    let mut cluster = Cluster::start(2).await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let leaving = cluster.nodes.pop().unwrap();
    let n0 = &cluster.nodes[0];
    let (_, cid) = n0.messaging_room(&[&alice, &bob]).await;
    let mut a = n0.connect(&alice).await;
    n0.watch(&a, &alice, &cid, true).await;
    let mut b = leaving.connect(&bob).await;
    leaving.watch(&b, &bob, &cid, false).await;
    assert_eq!(a.wait_for("user.watching.start", |e| e["user"]["id"] == bob.as_str()).await["watcher_count"], 2);

    leaving.control().shutdown().await;
    assert_eq!(b.closed().await, Some(herald_proto::close::SHUTDOWN));
    assert_eq!(a.wait_for("user.watching.stop", |e| e["user"]["id"] == bob.as_str()).await["watcher_count"], 1);
    assert_eq!(a.wait_for("user.presence.changed", |e| e["user"]["id"] == bob.as_str()).await["user"]["online"], false);
    // it left the node set itself (nobody has to reap it) and took its records along
    let mut redis = redis::Client::open(cluster.redis.url()).unwrap().get_connection().unwrap();
    let nodes: Vec<String> = redis::cmd("SMEMBERS").arg(format!("{}:nodes", cluster.prefix)).query(&mut redis).unwrap();
    assert_eq!(nodes, vec!["node-0".to_string()]);
    let conns: usize = redis::cmd("SCARD").arg(format!("{}:nconns:node-1", cluster.prefix)).query(&mut redis).unwrap();
    assert_eq!(conns, 0);
    a.close().await;
    cluster.stop().await;
}
