//! MemoryBus: the embedded single-node bus. A publish on a subscribed topic loops back to this
//! node's registry through one bounded channel, so there is one delivery path and one order.

use super::{Bus, BusError, Publication, Topic};
use async_trait::async_trait;
use std::collections::HashSet;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// Capacity of the loop-back channel; a publisher waits (never drops) when it is full.
pub const MEMORY_BUS_CAPACITY: usize = 65_536;

pub struct MemoryBus {
    subscribed: Mutex<HashSet<Topic>>,
    node: mpsc::Sender<Publication>,
}

impl MemoryBus {
    /// The bus, and the receiver the node's registry reads publications from.
    pub fn new() -> (MemoryBus, mpsc::Receiver<Publication>) {
        let (node, inbound) = mpsc::channel(MEMORY_BUS_CAPACITY);
        (MemoryBus { subscribed: Mutex::new(HashSet::new()), node }, inbound)
    }

    fn is_subscribed(&self, topic: &Topic) -> bool {
        self.subscribed.lock().expect("bus lock poisoned").contains(topic)
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, publication: Publication) -> Result<(), BusError> {
        if !self.is_subscribed(&publication.topic) {
            return Ok(()); // nobody on this node listens: like Redis PUBLISH to zero subscribers
        }
        self.node.send(publication).await.map_err(|_| BusError::Closed)
    }

    async fn subscribe(&self, topic: &Topic) -> Result<(), BusError> {
        self.subscribed.lock().expect("bus lock poisoned").insert(topic.clone());
        Ok(())
    }

    async fn unsubscribe(&self, topic: &Topic) -> Result<(), BusError> {
        self.subscribed.lock().expect("bus lock poisoned").remove(topic);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::Route;

    fn publication(topic: &Topic, n: u32) -> Publication {
        Publication { topic: topic.clone(), route: Route::Watchers, frame: n.to_string().into() }
    }

    #[actix_rt::test]
    async fn delivers_only_subscribed_topics_in_order() {
        let (bus, mut rx) = MemoryBus::new();
        let a = Topic::channel("messaging:a");
        let b = Topic::channel("messaging:b");
        bus.subscribe(&a).await.unwrap();
        for n in 0..100 {
            bus.publish(publication(&a, n)).await.unwrap();
            bus.publish(publication(&b, n)).await.unwrap();
        }
        for n in 0..100 {
            let p = rx.recv().await.unwrap();
            assert_eq!(p.topic, a);
            assert_eq!(&*p.frame, n.to_string());
        }
        assert!(rx.try_recv().is_err());
        bus.unsubscribe(&a).await.unwrap();
        bus.publish(publication(&a, 1)).await.unwrap();
        assert!(rx.try_recv().is_err());
    }
}
