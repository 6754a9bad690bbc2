//! The delivery queue behind a trait: one ordered lane per (endpoint, partition). The memory
//! implementation serves a single node; the Redis one ([`super::redis_queue`]) is durable and
//! shared by the cluster.
//!
//! Contract: `push` appends to the lane's tail; the lane's owner reads the head with `next`
//! (the same entry again until it is `ack`ed, so order is kept and nothing is skipped); only a
//! node that `hold`s the lane's lease reads it. A node that dies mid-delivery leaves its entry
//! pending; the next owner `take_over`s and delivers it again (at-least-once).

use async_trait::async_trait;
use herald_proto::app::HookFormat;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// One delivery to make: the body is rendered (and so fixed) when the event is queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// `X-Webhook-Id`: stable across attempts and nodes.
    pub id: String,
    pub hook_id: String,
    pub url: String,
    pub format: HookFormat,
    pub event_type: String,
    pub body: String,
    pub queued_at: String,
    /// The lane it was queued on (its channel's or user's), so a replayed dead letter takes
    /// the same lane again.
    #[serde(default)]
    pub lane: u32,
}

/// A delivery that failed on its last attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub job: Job,
    pub attempts: u32,
    pub last_error: String,
    pub failed_at: String,
}

/// An ordered lane: endpoint `hook_id`, partition `lane`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Lane {
    pub hook_id: String,
    pub lane: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("webhook queue unavailable: {0}")]
pub struct QueueError(pub String);

pub type QueueResult<T> = Result<T, QueueError>;

#[async_trait]
pub trait WebhookQueue: Send + Sync + 'static {
    /// Appends `job` to `lane`.
    async fn push(&self, lane: &Lane, job: &Job) -> QueueResult<()>;
    /// Takes or renews this node's lease on `lane`; false when another node holds it.
    async fn hold(&self, lane: &Lane) -> QueueResult<bool>;
    /// Gives the lease up (graceful stop).
    async fn release(&self, lane: &Lane) -> QueueResult<()>;
    /// Called once after the lease was taken: adopts entries another owner left pending.
    async fn take_over(&self, lane: &Lane) -> QueueResult<()>;
    /// The lane's head (an entry id and its job), the same until it is acked; None when empty.
    async fn next(&self, lane: &Lane) -> QueueResult<Option<(String, Job)>>;
    /// Removes a delivered (or dead-lettered) entry.
    async fn ack(&self, lane: &Lane, entry: &str) -> QueueResult<()>;
    async fn dead_letter(&self, letter: &DeadLetter) -> QueueResult<()>;
    /// Up to `limit` dead letters, newest first.
    async fn dead_letters(&self, limit: usize) -> QueueResult<Vec<DeadLetter>>;
    /// Removes the dead letters whose job id is in `ids` (every one when `ids` is empty) and
    /// returns them, oldest first. Atomic: two callers never take the same letter.
    async fn take_dead_letters(&self, ids: &[String]) -> QueueResult<Vec<DeadLetter>>;
    /// Lanes that have entries (a node starting up finds work other nodes queued).
    async fn known_lanes(&self) -> QueueResult<Vec<Lane>>;
}

/// The in-process queue (memory mode): nothing to lease, nothing survives a restart.
pub struct MemoryQueue {
    lanes: Mutex<HashMap<Lane, VecDeque<(u64, Job)>>>,
    next_id: std::sync::atomic::AtomicU64,
    dead: Mutex<VecDeque<DeadLetter>>,
    dead_kept: usize,
}

impl MemoryQueue {
    pub fn new(dead_kept: usize) -> MemoryQueue {
        MemoryQueue { lanes: Mutex::default(), next_id: Default::default(), dead: Mutex::default(), dead_kept }
    }
}

#[async_trait]
impl WebhookQueue for MemoryQueue {
    async fn push(&self, lane: &Lane, job: &Job) -> QueueResult<()> {
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.lanes.lock().expect("queue lock").entry(lane.clone()).or_default().push_back((id, job.clone()));
        Ok(())
    }
    async fn hold(&self, _lane: &Lane) -> QueueResult<bool> {
        Ok(true)
    }
    async fn release(&self, _lane: &Lane) -> QueueResult<()> {
        Ok(())
    }
    async fn take_over(&self, _lane: &Lane) -> QueueResult<()> {
        Ok(())
    }
    async fn next(&self, lane: &Lane) -> QueueResult<Option<(String, Job)>> {
        let lanes = self.lanes.lock().expect("queue lock");
        Ok(lanes.get(lane).and_then(|q| q.front()).map(|(id, job)| (id.to_string(), job.clone())))
    }
    async fn ack(&self, lane: &Lane, entry: &str) -> QueueResult<()> {
        let mut lanes = self.lanes.lock().expect("queue lock");
        if let Some(q) = lanes.get_mut(lane) {
            if q.front().is_some_and(|(id, _)| id.to_string() == entry) {
                q.pop_front();
            }
        }
        Ok(())
    }
    async fn dead_letter(&self, letter: &DeadLetter) -> QueueResult<()> {
        let mut dead = self.dead.lock().expect("queue lock");
        dead.push_front(letter.clone());
        dead.truncate(self.dead_kept);
        Ok(())
    }
    async fn dead_letters(&self, limit: usize) -> QueueResult<Vec<DeadLetter>> {
        Ok(self.dead.lock().expect("queue lock").iter().take(limit).cloned().collect())
    }
    async fn take_dead_letters(&self, ids: &[String]) -> QueueResult<Vec<DeadLetter>> {
        let mut dead = self.dead.lock().expect("queue lock");
        let (taken, kept): (VecDeque<DeadLetter>, VecDeque<DeadLetter>) =
            dead.drain(..).partition(|l| ids.is_empty() || ids.contains(&l.job.id));
        *dead = kept;
        Ok(taken.into_iter().rev().collect())
    }
    async fn known_lanes(&self) -> QueueResult<Vec<Lane>> {
        Ok(self.lanes.lock().expect("queue lock").iter().filter(|(_, q)| !q.is_empty()).map(|(l, _)| l.clone()).collect())
    }
}
