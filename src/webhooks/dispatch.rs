//! The dispatcher: one task per node turning tapped events into deliveries. For each event it
//! picks the endpoints that want it, renders each format's body once (reading the Store for
//! members, channel and last message), and appends a job per endpoint to the lane of the
//! event's channel (or target user), so one channel's events stay in order per endpoint.
//! Up to [`RENDERING`] events are rendered at once (their Store reads overlap); their jobs are
//! still appended one event after the other, in the order the events were tapped.

use super::catalogue::wants;
use super::context::EventContext;
use super::queue::{Job, Lane};
use super::tap::Tapped;
use super::{stream_format, talkplus, Shared};
use herald_actors::clock;
use herald_actors::metrics::Metrics;
use herald_proto::app::{EventHook, HookFormat};
use serde_json::Value;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Events rendered at the same time.
const RENDERING: usize = 32;

pub async fn run(shared: Arc<Shared>, mut rx: mpsc::Receiver<Tapped>) {
    use futures_util::stream::{self, StreamExt};
    let tapped = stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut rendered = tapped.map(|t| render(&shared, t)).buffered(RENDERING);
    while let Some(jobs) = rendered.next().await {
        enqueue(&shared, jobs).await;
    }
}

/// An event's deliveries, ready to queue.
struct Rendered {
    kind: String,
    jobs: Vec<Job>,
}

/// The lane of a partition key (stable across nodes and restarts: FNV-1a).
pub fn lane_of(key: &str, lanes: u32) -> u32 {
    let mut h = Fnv(0xcbf29ce484222325);
    key.hash(&mut h);
    (h.finish() % lanes.max(1) as u64) as u32
}

struct Fnv(u64);
impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x100000001b3);
        }
    }
}

async fn render(shared: &Arc<Shared>, tapped: Tapped) -> Option<Rendered> {
    let event = &tapped.event;
    let kind = event.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
    let tp_name = talkplus::event_name(&kind, event);
    let hooks: Vec<EventHook> = shared.endpoints().iter().filter(|h| wants(h, &kind, tp_name)).cloned().collect();
    if hooks.is_empty() {
        return None;
    }
    let store = shared.chat.store();
    let cid = event.get("cid").and_then(Value::as_str);
    let any_talkplus = hooks.iter().any(|h| h.format == HookFormat::Talkplus);
    let any_stream = hooks.iter().any(|h| h.format == HookFormat::Stream);
    let ctx = match cid {
        Some(cid) if any_talkplus || stream_format::lists_members(&kind) => Some(EventContext::load(store, cid, event, any_talkplus).await),
        _ => None,
    };
    let stream_body = if any_stream {
        let body = stream_format::render(store, event, ctx.as_ref(), tapped.target_user.as_deref(), tapped.request.as_deref()).await;
        serde_json::to_string(&body).ok()
    } else {
        None
    };
    let talkplus_body = match (any_talkplus, tp_name) {
        (true, Some(name)) => {
            let ctx = ctx.clone().unwrap_or_default();
            serde_json::to_string(&talkplus::render(name, event, &ctx, &shared.talkplus_app_id)).ok()
        }
        _ => None,
    };
    let partition = cid
        .map(str::to_owned)
        .or_else(|| tapped.target_user.clone())
        .or_else(|| event.get("user").and_then(|u| u.get("id")).and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let lane = lane_of(&partition, shared.lanes);
    let mut jobs = Vec::with_capacity(hooks.len());
    for hook in hooks {
        let body = match hook.format {
            HookFormat::Stream => stream_body.clone(),
            HookFormat::Talkplus => talkplus_body.clone(),
        };
        let Some(body) = body else { continue };
        jobs.push(Job {
            id: uuid::Uuid::new_v4().to_string(),
            hook_id: hook.id.clone(),
            url: hook.webhook_url.clone(),
            format: hook.format,
            event_type: kind.clone(),
            body,
            queued_at: clock::now(),
            lane,
        });
    }
    Some(Rendered { kind, jobs })
}

/// Appends an event's jobs to their lanes (one event after the other: per-lane order).
async fn enqueue(shared: &Arc<Shared>, rendered: Option<Rendered>) {
    let Some(Rendered { kind, jobs }) = rendered else { return };
    for job in jobs {
        let lane = Lane { hook_id: job.hook_id.clone(), lane: job.lane };
        match shared.queue.push(&lane, &job).await {
            Ok(()) => {
                Metrics::incr(&shared.metrics.webhook_jobs_queued);
                shared.workers.wake(shared, &lane);
            }
            Err(e) => {
                Metrics::incr(&shared.metrics.webhook_enqueue_failures);
                tracing::error!(error = %e, hook = %job.hook_id, event = %kind, "webhook delivery could not be queued");
            }
        }
    }
}
