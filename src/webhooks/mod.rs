//! Webhooks: every event published through `Chat::publish*` reaches the endpoints configured in
//! the app settings (`PATCH /app`: `webhook_url`/`webhook_events`, `event_hooks`), in Stream or
//! TalkPlus format, signed, retried, never silently lost.
//!
//! The path of an event: [`tap`] (`try_send` from the event path, on the node where the event
//! originates) → [`dispatch`] (one task: filter by [`catalogue`], render with [`stream_format`]
//! or [`talkplus`] using [`context`], queue a job per endpoint on the lane of its channel) →
//! [`queue`] (memory, or durable in Redis: `cluster::webhook_queue`) → [`deliver`] (one worker
//! per lane holding its lease: HTTP POST signed by [`sign`], retries, dead letters).
//! Guarantee: at-least-once, ordered per channel per endpoint.

pub mod catalogue;
pub mod context;
pub mod deliver;
pub mod dispatch;
pub mod queue;
pub mod settings;
pub mod sign;
pub mod stream_format;
pub mod talkplus;
pub mod tap;
pub mod unread;

use crate::config::Config;
use herald_actors::chat::Chat;
use herald_actors::metrics::Metrics;
use herald_proto::app::{AppSettings, EventHook};
use queue::{DeadLetter, Lane, QueueResult, WebhookQueue};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// What the dispatcher and the workers share.
pub struct Shared {
    chat: Chat,
    queue: Arc<dyn WebhookQueue>,
    metrics: Arc<Metrics>,
    endpoints: RwLock<Arc<Vec<EventHook>>>,
    active: Arc<AtomicBool>,
    lanes: u32,
    talkplus_app_id: String,
    api_key: String,
    api_secret: String,
    timeout: Duration,
    retry_delays: Vec<Duration>,
    poll: Duration,
    lease: Duration,
    workers: deliver::Workers,
    /// The thread every webhook task runs on (the dispatcher, the lane workers, the refresher),
    /// away from the HTTP workers and the actors.
    arbiter: actix::dev::ArbiterHandle,
    /// Set by a graceful stop: workers give their lanes up.
    stopping: AtomicBool,
}

impl Shared {
    fn endpoints(&self) -> Arc<Vec<EventHook>> {
        self.endpoints.read().expect("endpoints lock").clone()
    }
}

/// The node's webhook service; cheap to clone. When the last handle is dropped (the node's HTTP
/// server and its controls are gone) the webhook thread stops with it.
#[derive(Clone)]
pub struct Webhooks {
    shared: Arc<Shared>,
    _stop: Arc<StopOnDrop>,
}

/// Stops the webhook thread when dropped.
struct StopOnDrop(actix::dev::ArbiterHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}

impl Webhooks {
    /// Starts the service on `chat` (sets its tap) with `queue`. Must be called inside an actix
    /// system: the workers use actix's HTTP client.
    pub fn start(chat: &Chat, config: &Config, queue: Arc<dyn WebhookQueue>) -> Webhooks {
        let w = &config.webhooks;
        let (tx, rx) = tokio::sync::mpsc::channel(w.queue_capacity);
        let active = Arc::new(AtomicBool::new(false));
        let metrics = chat.metrics();
        let arbiter = actix::Arbiter::new().handle();
        let app_id = if w.talkplus_app_id.is_empty() { config.api_key.clone() } else { w.talkplus_app_id.clone() };
        let shared = Arc::new(Shared {
            chat: chat.clone(),
            queue,
            metrics: metrics.clone(),
            endpoints: RwLock::new(Arc::new(Vec::new())),
            active: active.clone(),
            lanes: w.lanes,
            talkplus_app_id: app_id,
            api_key: config.api_key.clone(),
            api_secret: config.api_secret.clone(),
            timeout: Duration::from_millis(w.timeout_ms),
            retry_delays: w.retry_delays_ms.iter().map(|ms| Duration::from_millis(*ms)).collect(),
            poll: Duration::from_millis(w.poll_ms.max(1)),
            lease: Duration::from_millis(w.lease_ms),
            workers: deliver::Workers::default(),
            arbiter: arbiter.clone(),
            stopping: AtomicBool::new(false),
        });
        chat.set_tap(Arc::new(tap::Tap { tx, active, metrics, recent: Default::default() }));
        arbiter.spawn(dispatch::run(shared.clone(), rx));
        let webhooks = Webhooks { shared: shared.clone(), _stop: Arc::new(StopOnDrop(arbiter.clone())) };
        let seed = seed_settings(config);
        let refresh = Duration::from_millis(config.webhooks.settings_refresh_ms.max(10));
        arbiter.spawn(async move {
            if let Some(seed) = seed {
                if let Err(e) = shared.chat.store().seed_app_settings(&seed).await {
                    tracing::error!(error = %e, "could not seed the webhook settings from the configuration");
                }
            }
            let mut tick = tokio::time::interval(refresh);
            loop {
                tick.tick().await;
                reload(&shared).await;
            }
        });
        webhooks
    }

    /// See [`reload`].
    pub async fn reload(&self) {
        reload(&self.shared).await
    }

    /// Uses `settings` at once on this node (after a local `PATCH /app`).
    pub fn apply(&self, settings: &AppSettings) {
        apply(&self.shared, settings)
    }

    /// Graceful stop: the workers stop taking deliveries and this node's lane leases are given
    /// up, so another node resumes at once instead of after `webhooks.lease_ms`.
    pub async fn stop(&self) {
        self.shared.stopping.store(true, Ordering::Relaxed);
        for lane in self.shared.workers.lanes() {
            if let Err(e) = self.shared.queue.release(&lane).await {
                tracing::warn!(error = %e, "could not give a webhook lane up");
            }
        }
        self.shared.arbiter.stop();
    }

    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// Up to `limit` dead letters, newest first.
    pub async fn dead_letters(&self, limit: usize) -> QueueResult<Vec<DeadLetter>> {
        self.shared.queue.dead_letters(limit).await
    }

    /// Queues the dead letters with these job ids (every one when `ids` is empty) again, oldest
    /// first, each on its lane with its `X-Webhook-Id` and body unchanged (attempts start again
    /// at 1). A letter whose endpoint still exists goes to that endpoint's current URL. Returns
    /// the job ids queued.
    pub async fn replay_dead_letters(&self, ids: &[String]) -> QueueResult<Vec<String>> {
        let shared = &self.shared;
        let letters = shared.queue.take_dead_letters(ids).await?;
        let endpoints = shared.endpoints();
        let mut replayed = Vec::with_capacity(letters.len());
        for (i, DeadLetter { mut job, .. }) in letters.iter().cloned().enumerate() {
            if let Some(hook) = endpoints.iter().find(|h| h.id == job.hook_id) {
                job.url = hook.webhook_url.clone();
            }
            let lane = Lane { hook_id: job.hook_id.clone(), lane: job.lane };
            if let Err(e) = shared.queue.push(&lane, &job).await {
                // put back what was taken and not queued, so nothing is lost
                for letter in &letters[i..] {
                    let _ = shared.queue.dead_letter(letter).await;
                }
                return Err(e);
            }
            Metrics::incr(&shared.metrics.webhook_dead_letters_replayed);
            shared.workers.wake(shared, &lane);
            replayed.push(job.id);
        }
        Ok(replayed)
    }
}

/// Re-reads the endpoints from the Store, and makes sure every lane of every endpoint (and
/// every lane with queued work) has a worker on this node competing for its lease.
async fn reload(shared: &Arc<Shared>) {
    let settings = match shared.chat.store().app_settings().await {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the webhook settings");
            return;
        }
    };
    apply(shared, &settings);
    let mut lanes: Vec<Lane> = Vec::new();
    for hook in shared.endpoints().iter() {
        lanes.extend((0..shared.lanes).map(|lane| Lane { hook_id: hook.id.clone(), lane }));
    }
    if let Ok(known) = shared.queue.known_lanes().await {
        lanes.extend(known);
    }
    for lane in lanes {
        shared.workers.wake(shared, &lane);
    }
}

fn apply(shared: &Shared, settings: &AppSettings) {
    let endpoints = settings.endpoints();
    shared.active.store(!endpoints.is_empty(), Ordering::Relaxed);
    *shared.endpoints.write().expect("endpoints lock") = Arc::new(endpoints);
}

/// The settings the configuration asks for, if any.
fn seed_settings(config: &Config) -> Option<AppSettings> {
    let w = &config.webhooks;
    if w.url.is_empty() && w.hooks.is_empty() {
        return None;
    }
    let now = herald_actors::clock::now();
    Some(AppSettings {
        webhook_url: w.url.clone(),
        webhook_events: w.events.clone(),
        event_hooks: w
            .hooks
            .iter()
            .map(|h| EventHook {
                id: h.id.clone(),
                enabled: true,
                hook_type: "webhook".into(),
                webhook_url: h.url.clone(),
                event_types: h.event_types.clone(),
                format: h.format,
                created_at: now.clone(),
                updated_at: now.clone(),
            })
            .collect(),
    })
}
