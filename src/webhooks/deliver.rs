//! Lane workers: each (endpoint, lane) is read by one worker at a time in the cluster (the lease
//! holder), one delivery after the other, so order is kept per endpoint and channel. A delivery
//! is retried after each configured delay on a timeout, a connection error, a 5xx, 408 or 429;
//! another 4xx is final. A delivery that fails for good goes to the dead letters. The entry is
//! removed from the queue only after that, so a node killed mid-delivery leaves it pending for
//! the next lease holder (at-least-once; `X-Webhook-Id` lets receivers drop repeats).

use super::queue::{DeadLetter, Job, Lane};
use super::sign::{stream_signature, talkplus_signature};
use super::Shared;
use herald_actors::clock;
use herald_actors::metrics::Metrics;
use herald_proto::app::HookFormat;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// The workers running on this node, by lane.
#[derive(Default)]
pub struct Workers {
    running: Mutex<HashMap<Lane, Arc<Notify>>>,
}

impl Workers {
    /// The lanes with a worker on this node.
    pub fn lanes(&self) -> Vec<Lane> {
        self.running.lock().expect("workers lock").keys().cloned().collect()
    }

    /// Starts the lane's worker unless it runs, and wakes it.
    pub fn wake(&self, shared: &Arc<Shared>, lane: &Lane) {
        if shared.stopping.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let notify = {
            let mut running = self.running.lock().expect("workers lock");
            match running.get(lane) {
                Some(n) => n.clone(),
                None => {
                    let n = Arc::new(Notify::new());
                    running.insert(lane.clone(), n.clone());
                    let notify = n.clone();
                    let (shared, lane, n) = (shared.clone(), lane.clone(), n.clone());
                    // the worker holds actix's HTTP client (not Send): built on the arbiter's thread
                    shared.arbiter.clone().spawn_fn(move || {
                        actix::spawn(work(shared, lane, n));
                    });
                    notify
                }
            }
        };
        notify.notify_one();
    }
}

/// How one attempt ended.
enum Outcome {
    Delivered,
    /// Worth another attempt.
    Retry(String),
    /// Not worth another attempt (4xx other than 408/429).
    Final(String),
}

async fn work(shared: Arc<Shared>, lane: Lane, notify: Arc<Notify>) {
    let client = awc::Client::builder().timeout(shared.timeout).disable_redirects().finish();
    let mut held = false;
    loop {
        if shared.stopping.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        match shared.queue.hold(&lane).await {
            Ok(true) if !held => match shared.queue.take_over(&lane).await {
                Ok(()) => held = true,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook lane take-over failed");
                    tokio::time::sleep(shared.poll).await;
                    continue;
                }
            },
            Ok(true) => {}
            Ok(false) => {
                held = false; // another node's: try again soon (it may stop or die)
                tokio::time::sleep((shared.lease / 3).min(shared.poll * 5)).await;
                continue;
            }
            Err(e) => {
                held = false;
                tracing::warn!(error = %e, "webhook lane lease failed");
                tokio::time::sleep(shared.poll).await;
                continue;
            }
        }
        tracing::trace!(hook = %lane.hook_id, lane = lane.lane, "webhook lane held");
        match shared.queue.next(&lane).await {
            Ok(Some((entry, job))) => {
                if deliver(&shared, &client, &lane, &job).await {
                    if let Err(e) = shared.queue.ack(&lane, &entry).await {
                        tracing::warn!(error = %e, "webhook ack failed: the delivery may be repeated");
                    }
                } else {
                    held = false; // lost the lease mid-delivery: the new owner delivers it
                }
            }
            Ok(None) => {
                let _ = tokio::time::timeout(shared.poll, notify.notified()).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "webhook queue read failed");
                tokio::time::sleep(shared.poll).await;
            }
        }
    }
}

/// Delivers `job` with its retries; false when the lease was lost on the way (the job is left
/// in the queue), true when it is done (delivered or dead-lettered).
async fn deliver(shared: &Shared, client: &awc::Client, lane: &Lane, job: &Job) -> bool {
    let attempts = shared.retry_delays.len() as u32 + 1;
    let mut last_error = String::new();
    for attempt in 1..=attempts {
        if attempt > 1 {
            let delay = shared.retry_delays[attempt as usize - 2];
            if !wait_holding(shared, lane, delay).await {
                return false;
            }
        }
        tracing::debug!(hook = %job.hook_id, id = %job.id, attempt, "webhook attempt");
        // the client's own timeout bounds the attempt; this one is a backstop
        let bounded = tokio::time::timeout(shared.timeout + Duration::from_millis(100), attempt_once(shared, client, job, attempt));
        match bounded.await.unwrap_or_else(|_| Outcome::Retry("no answer within the attempt timeout".into())) {
            Outcome::Delivered => {
                Metrics::incr(&shared.metrics.webhook_deliveries);
                return true;
            }
            Outcome::Retry(e) => {
                Metrics::incr(&shared.metrics.webhook_attempts_failed);
                tracing::info!(hook = %job.hook_id, id = %job.id, attempt, error = %e, "webhook attempt failed");
                last_error = e;
            }
            Outcome::Final(e) => {
                Metrics::incr(&shared.metrics.webhook_attempts_failed);
                return dead_letter(shared, job, attempt, e).await;
            }
        }
    }
    dead_letter(shared, job, attempts, last_error).await
}

async fn dead_letter(shared: &Shared, job: &Job, attempts: u32, last_error: String) -> bool {
    tracing::warn!(hook = %job.hook_id, id = %job.id, attempts, error = %last_error, "webhook delivery dead-lettered");
    Metrics::incr(&shared.metrics.webhook_dead_letters);
    let letter = DeadLetter { job: job.clone(), attempts, last_error, failed_at: clock::now() };
    if let Err(e) = shared.queue.dead_letter(&letter).await {
        tracing::error!(error = %e, id = %job.id, "could not record a webhook dead letter");
    }
    true
}

/// Sleeps `delay`, renewing the lease; false when it was lost.
async fn wait_holding(shared: &Shared, lane: &Lane, delay: Duration) -> bool {
    let step = shared.lease / 3;
    let deadline = tokio::time::Instant::now() + delay;
    loop {
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return !shared.stopping.load(std::sync::atomic::Ordering::Relaxed) && shared.queue.hold(lane).await.unwrap_or(false);
        }
        tokio::time::sleep((deadline - now).min(step)).await;
        if shared.stopping.load(std::sync::atomic::Ordering::Relaxed) || !shared.queue.hold(lane).await.unwrap_or(false) {
            return false;
        }
    }
}

async fn attempt_once(shared: &Shared, client: &awc::Client, job: &Job, attempt: u32) -> Outcome {
    let body = job.body.clone();
    let mut req = client
        .post(&job.url)
        .insert_header(("Content-Type", "application/json"))
        .insert_header(("X-Webhook-Id", job.id.as_str()))
        .insert_header(("X-Webhook-Attempt", attempt.to_string()));
    req = match job.format {
        HookFormat::Stream => req
            .insert_header(("User-Agent", "herald-webhooks"))
            .insert_header(("X-Signature", stream_signature(&shared.api_secret, body.as_bytes())))
            .insert_header(("X-Api-Key", shared.api_key.as_str())),
        HookFormat::Talkplus => req
            .insert_header(("User-Agent", "TalkPlus"))
            .insert_header(("x-talkplus-signature", talkplus_signature(&shared.api_key, body.as_bytes()))),
    };
    match req.send_body(body).await {
        Ok(mut res) => {
            let status = res.status();
            let _ = res.body().limit(64 * 1024).await;
            if status.is_success() {
                Outcome::Delivered
            } else if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 {
                Outcome::Final(format!("HTTP {status}"))
            } else {
                Outcome::Retry(format!("HTTP {status}"))
            }
        }
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
