//! Cluster tests: three herald nodes on one real `redis-server`, clients on different nodes.
//! Every path of the cluster issue: channel and user events across nodes, watcher counts and
//! presence over all nodes, REST commands for a connection on another node, 500 ordered events,
//! a node killed with -9, and Redis stopped and restarted; messages and reactions across nodes; read state, hide and show across nodes.

mod bench;
mod fanout;
mod faults;
mod forwarding;
mod liveness;
mod messages;
mod moderation;
mod reads;
mod unread_reminders;
mod webhooks;

use crate::redis_server::RedisServer;
use crate::support::*;

pub struct Cluster {
    pub redis: RedisServer,
    pub nodes: Vec<TestNode>,
    pub prefix: String,
}

impl Cluster {
    /// `n` in-process nodes on a fresh Redis, all ready.
    pub async fn start(n: usize) -> Cluster {
        let redis = RedisServer::start().await;
        let prefix = uid("hx");
        let mut nodes = Vec::new();
        for i in 0..n {
            nodes.push(
                spawn_in_process(Some(&redis.url()), |c| {
                    c.cluster.redis_prefix = prefix.clone();
                    c.node_id = format!("node-{i}");
                })
                .await,
            );
        }
        Cluster { redis, nodes, prefix }
    }

    /// The configuration of one more node of this cluster (for a child process).
    pub fn node_config(&self, node_id: &str) -> herald::Config {
        let mut config = test_config(Some(&self.redis.url()));
        config.cluster.redis_prefix = self.prefix.clone();
        config.node_id = node_id.into();
        config
    }

    pub async fn stop(self) {
        for node in self.nodes {
            node.stop().await;
        }
    }
}
