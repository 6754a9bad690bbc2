//! Cluster mode: herald nodes linked through Redis (set `redis_url`).
//!
//! Redis plays three roles, each in its own file: the source of truth for shared state
//! ([`store::RedisStore`], Lua scripts in [`scripts`], node records in [`nodes`], message lists
//! in [`messages`], read state in [`reads`], truncates, hidden channels and channel mutes in [`lifecycle`]), the pub/sub that carries every publication between nodes
//! ([`bus::RedisBus`]), and the meeting point where nodes prove they are alive
//! ([`liveness::Liveness`]). Key and topic names: [`keys`].
//! `crate::run` wires these in place of the memory store and bus; nothing above the `Bus` and
//! `Store` traits knows which mode it runs in.

pub mod app_store;
pub mod bus;
pub mod keys;
pub mod lifecycle;
pub mod liveness;
pub mod messages;
pub mod nodes;
pub mod reads;
pub mod records;
pub mod scripts;
pub mod store;
pub mod webhook_queue;

use crate::config::{redact_url, Config};
use herald_actors::bus::Publication;
use herald_actors::metrics::Metrics;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The Redis halves of a cluster node, before the domain service exists.
pub struct Parts {
    pub store: Arc<store::RedisStore>,
    pub bus: Arc<bus::RedisBus>,
    pub inbound: mpsc::Receiver<Publication>,
}

/// Opens (lazily: nothing waits here for Redis) the store and the bus of node `node`.
pub fn connect(config: &Config, node: &str, metrics: Arc<Metrics>) -> anyhow::Result<Parts> {
    let client =
        redis::Client::open(config.redis_url.as_str()).map_err(|e| anyhow::anyhow!("redis_url {}: {e}", redact_url(&config.redis_url)))?;
    let timeout = Duration::from_millis(config.cluster.redis_timeout_ms);
    let manager = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_millis(500));
    let con = ConnectionManager::new_lazy_with_config(client.clone(), manager)?;
    let keys = keys::Keys::new(&config.cluster.redis_prefix);
    let store = Arc::new(store::RedisStore::new(con.clone(), keys.clone(), node, timeout));
    let (bus, inbound) = bus::RedisBus::start(client, con, keys, node, timeout, metrics);
    Ok(Parts { store, bus: Arc::new(bus), inbound })
}
