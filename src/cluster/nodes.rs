//! The node records of the Redis store: heartbeats, finding dead nodes, claiming the clean-up of
//! one (exactly one survivor wins), and the built-in channel types every node expects. Used by
//! [`super::liveness`].

use super::store::{encode, RedisStore};
use herald_actors::store::StoreResult;
use herald_proto::channel::ChannelTypeConfig;
use redis::AsyncCommands;
use std::sync::atomic::Ordering;
use std::time::Duration;

impl RedisStore {
    /// Marks this node alive for `ttl`. True when the node was not in the node set (first start,
    /// taken for dead by another node, or Redis lost its data).
    pub async fn heartbeat(&self, ttl: Duration) -> StoreResult<bool> {
        let (alive, nodes, node) = (self.key("alive", &self.node), self.key("nodes", ""), self.node.clone());
        let ttl_ms = ttl.as_millis() as u64;
        let (added,): (i64,) = self
            .run(|mut c| async move {
                redis::pipe()
                    .atomic()
                    .set_options(&alive, 1, redis::SetOptions::default().with_expiration(redis::SetExpiry::PX(ttl_ms)))
                    .ignore()
                    .sadd(&nodes, &node)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(added == 1)
    }

    /// Writes the built-in channel types unless they exist; the store reports ready afterwards.
    pub async fn seed_channel_types(&self, now: &str) -> StoreResult<()> {
        let hash = self.key("types", "");
        let mut pipe = redis::pipe();
        for t in ChannelTypeConfig::built_ins(now) {
            pipe.hset_nx(&hash, &t.name, encode(&t)?).ignore();
        }
        self.run(|mut c| async move { pipe.query_async::<()>(&mut c).await }).await?;
        self.seeded.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Other nodes in the node set whose heartbeat expired.
    pub async fn dead_nodes(&self) -> StoreResult<Vec<String>> {
        let key = self.key("nodes", "");
        let nodes: Vec<String> = self.run(|mut c| async move { c.smembers(key).await }).await?;
        let others: Vec<String> = nodes.into_iter().filter(|n| *n != self.node).collect();
        if others.is_empty() {
            return Ok(others);
        }
        let mut pipe = redis::pipe();
        for n in &others {
            pipe.exists(self.key("alive", n));
        }
        let alive: Vec<bool> = self.run(|mut c| async move { pipe.query_async(&mut c).await }).await?;
        Ok(others.into_iter().zip(alive).filter(|(_, alive)| !alive).map(|(n, _)| n).collect())
    }

    /// Takes `node` out of the node set; true for the one caller that did (it cleans up).
    pub async fn claim_dead_node(&self, node: &str) -> StoreResult<bool> {
        let key = self.key("nodes", "");
        self.run(|mut c| async move { c.srem(key, node).await }).await
    }

    /// Forgets what is left of a node after its connections were cleaned up (or at goodbye).
    pub async fn forget_node(&self, node: &str) -> StoreResult<()> {
        let (nodes, alive, conns) = (self.key("nodes", ""), self.key("alive", node), self.key("nconns", node));
        self.run(
            |mut c| async move { redis::pipe().srem(&nodes, node).ignore().del(&[alive, conns]).ignore().query_async::<()>(&mut c).await },
        )
        .await
    }

    pub fn node(&self) -> &str {
        &self.node
    }
}
