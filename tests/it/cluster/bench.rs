//! `herald bench` across a three-node cluster: receivers on nodes 1 and 2, publishers on node 0,
//! so every delivery crosses Redis. Asserts the accounting only (figures: BENCHMARKS.md).

use super::Cluster;
use crate::bench::{assert_clean, run_bench};

#[actix_web::test]
async fn cross_node_fanout_is_complete_and_in_order() {
    let cluster = Cluster::start(3).await;
    let url = |i: usize| format!("http://{}", cluster.nodes[i].addr);
    let args = ["--publish-url", &url(0), "--connections", "30", "--channels", "3", "--watchers", "10", "--rate", "300", "--duration", "1"];
    let report = run_bench(&[url(1), url(2)], &args).await;
    assert_clean(&report, 30, 10);
    assert_eq!(report["scenario"]["nodes"], 2);
}
