//! RedisBus: the cluster bus. Publications go out with PUBLISH on one multiplexed connection
//! (so one node's publications keep their order, and Redis puts every topic in one order for all
//! nodes); a dedicated subscriber connection per node receives the topics the registry asked for
//! and hands them to the registry, the same way the memory bus does.
//!
//! The subscriber link is supervised: when it breaks (Redis restarted, network), the bus reports
//! not-ready, reconnects with capped exponential backoff, resubscribes every active topic (plus
//! this node's own topic) and reports ready again. Publications on the node's topics while the
//! link is down are lost for this node (counted as links lost; see the README's guarantees).
//! Every call is bounded by the Redis timeout: nothing waits on Redis forever.

use super::keys::{decode_publication, encode_publication, Keys};
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use herald_actors::bus::{Bus, BusError, Publication, Topic};
use herald_actors::metrics::Metrics;
use redis::aio::{ConnectionManager, PubSubSink};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Capacity of the hand-off to the registry (as the memory bus).
const INBOUND_CAPACITY: usize = 65_536;
/// Reconnect backoff bounds.
const BACKOFF_MIN: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// Topics per SUBSCRIBE command when resubscribing.
const RESUBSCRIBE_BATCH: usize = 512;

/// The subscriber side, shared by the bus and its supervising task.
struct Subscriber {
    /// Pub/sub names the node wants, besides its own node topic.
    wanted: Mutex<HashSet<String>>,
    /// The live link's command side; None while reconnecting.
    sink: Mutex<Option<PubSubSink>>,
    ready: AtomicBool,
}

pub struct RedisBus {
    keys: Keys,
    publisher: ConnectionManager,
    timeout: Duration,
    subscriber: Arc<Subscriber>,
}

impl RedisBus {
    /// Starts the bus for `node` (its own topic is always subscribed); returns it and the
    /// receiver the registry reads publications from. Connects in the background.
    pub fn start(
        client: redis::Client,
        publisher: ConnectionManager,
        keys: Keys,
        node: &str,
        timeout: Duration,
        metrics: Arc<Metrics>,
    ) -> (RedisBus, mpsc::Receiver<Publication>) {
        let (tx, rx) = mpsc::channel(INBOUND_CAPACITY);
        let subscriber = Arc::new(Subscriber { wanted: Mutex::new(HashSet::new()), sink: Mutex::new(None), ready: AtomicBool::new(false) });
        let own = keys.topic(&Topic::node(node));
        actix::spawn(supervise(client, keys.clone(), own, subscriber.clone(), tx, timeout, metrics));
        (RedisBus { keys, publisher, timeout, subscriber }, rx)
    }

    fn sink(&self) -> Option<PubSubSink> {
        self.subscriber.sink.lock().expect("bus lock poisoned").clone()
    }

    fn wanted(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.subscriber.wanted.lock().expect("bus lock poisoned")
    }
}

fn unavailable(e: impl std::fmt::Display) -> BusError {
    BusError::Unavailable(e.to_string())
}

#[async_trait]
impl Bus for RedisBus {
    async fn publish(&self, publication: Publication) -> Result<(), BusError> {
        let name = self.keys.topic(&publication.topic);
        let payload = encode_publication(&publication.route, &publication.frame);
        let mut con = self.publisher.clone();
        let mut command = redis::cmd("PUBLISH");
        command.arg(name).arg(payload);
        match tokio::time::timeout(self.timeout, command.query_async::<i64>(&mut con)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(unavailable(e)),
            Err(_) => Err(unavailable("Redis did not answer PUBLISH in time")),
        }
    }

    async fn subscribe(&self, topic: &Topic) -> Result<(), BusError> {
        let name = self.keys.topic(topic);
        self.wanted().insert(name.clone());
        let result = match self.sink() {
            None => Err(unavailable("the Redis subscription link is reconnecting")),
            Some(mut sink) => match tokio::time::timeout(self.timeout, sink.subscribe(&name)).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(unavailable(e)),
                Err(_) => Err(unavailable("Redis did not confirm SUBSCRIBE in time")),
            },
        };
        if result.is_err() {
            self.wanted().remove(&name); // the registry rolls back and will not unsubscribe
        }
        result
    }

    async fn unsubscribe(&self, topic: &Topic) -> Result<(), BusError> {
        let name = self.keys.topic(topic);
        self.wanted().remove(&name);
        let Some(mut sink) = self.sink() else { return Ok(()) }; // the next link will not have it
        match tokio::time::timeout(self.timeout, sink.unsubscribe(&name)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(unavailable(e)),
            Err(_) => Err(unavailable("Redis did not confirm UNSUBSCRIBE in time")),
        }
    }

    fn is_ready(&self) -> bool {
        self.subscriber.ready.load(Ordering::Relaxed)
    }
}

/// Keeps the subscriber link up for as long as the node runs.
async fn supervise(
    client: redis::Client,
    keys: Keys,
    own: String,
    subscriber: Arc<Subscriber>,
    registry: mpsc::Sender<Publication>,
    timeout: Duration,
    metrics: Arc<Metrics>,
) {
    let mut backoff = BACKOFF_MIN;
    let mut links = 0u64;
    loop {
        match link(&client, &own, &subscriber, timeout).await {
            Ok(mut stream) => {
                backoff = BACKOFF_MIN;
                links += 1;
                if links > 1 {
                    Metrics::incr(&metrics.bus_resubscribes);
                    tracing::info!("Redis subscription link re-established; every topic resubscribed");
                }
                while let Some(msg) = stream.next().await {
                    let Some(topic) = keys.parse_topic(msg.get_channel_name()) else { continue };
                    let Some((route, frame)) = decode_publication(Bytes::copy_from_slice(msg.get_payload_bytes())) else {
                        Metrics::incr(&metrics.bus_undecodable);
                        continue;
                    };
                    if registry.send(Publication { topic, route, frame }).await.is_err() {
                        return; // the registry stopped: the node is gone
                    }
                }
                subscriber.ready.store(false, Ordering::Relaxed);
                *subscriber.sink.lock().expect("bus lock poisoned") = None;
                Metrics::incr(&metrics.bus_links_lost);
                tracing::warn!("Redis subscription link lost; reconnecting");
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "cannot open the Redis subscription link");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

/// Opens a subscriber connection and subscribes the node's topic and every wanted topic.
async fn link(client: &redis::Client, own: &str, subscriber: &Subscriber, timeout: Duration) -> anyhow::Result<redis::aio::PubSubStream> {
    let pubsub =
        tokio::time::timeout(timeout, client.get_async_pubsub()).await.map_err(|_| anyhow::anyhow!("connecting to Redis timed out"))??;
    let (mut sink, stream) = pubsub.split();
    let mut names: Vec<String> = subscriber.wanted.lock().expect("bus lock poisoned").iter().cloned().collect();
    names.push(own.to_owned());
    for batch in names.chunks(RESUBSCRIBE_BATCH) {
        tokio::time::timeout(timeout, sink.subscribe(batch)).await.map_err(|_| anyhow::anyhow!("SUBSCRIBE timed out"))??;
    }
    *subscriber.sink.lock().expect("bus lock poisoned") = Some(sink);
    subscriber.ready.store(true, Ordering::Relaxed);
    Ok(stream)
}
