//! Publishers: each owns some streams and sends on them round-robin at `rate / publishers`
//! events per second, paced on a 1 ms tick, every event stamped with its stream, sequence and
//! send time ([`crate::marker`]).
//!
//! - By socket: native channel-event frames on the publisher's own connection; the frames of one
//!   tick are fed to the socket and flushed together. The connection stays open until the worker
//!   exits, so nothing it sent is cut short. Error frames it receives are counted (each is an
//!   event the node refused).
//! - By REST: one call at a time per publisher (so each stream keeps its order); a refused call
//!   reuses its sequence number, so refusals show up as `events_failed`, not as loss.
//!
//! A publisher that cannot keep up sends fewer events; the report shows the rate it reached.

use crate::client;
use crate::marker::{now_us, Marker, KEY};
use crate::plan::{Plan, Target, Via};
use crate::rest::{self, Auth};
use crate::token;
use futures_util::{SinkExt, StreamExt};
use std::cell::Cell;
use std::rc::Rc;
use tokio::time::{Duration, Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;

/// Counters a worker reads while its publishers run.
#[derive(Default)]
pub struct PublishCounters {
    pub sent: Cell<u64>,
    pub failed: Cell<u64>,
    pub error_frames: Cell<u64>,
}

/// What one publisher did.
pub struct Published {
    pub per_stream: Vec<(u32, u64)>,
    /// Holds the publisher's socket open until dropped.
    pub keep_alive: Option<Box<dyn std::any::Any>>,
}

/// The streams one publisher owns and the next sequence of each.
struct Streams {
    ids: Vec<u32>,
    next_seq: Vec<u64>,
    cursor: usize,
}

impl Streams {
    fn new(ids: Vec<u32>) -> Self {
        let next_seq = vec![0; ids.len()];
        Streams { ids, next_seq, cursor: 0 }
    }

    /// The next stream in turn (its index among this publisher's streams).
    fn next(&mut self) -> usize {
        let i = self.cursor;
        self.cursor = (self.cursor + 1) % self.ids.len();
        i
    }

    fn marker(&self, i: usize) -> Marker {
        Marker { stream: self.ids[i], seq: self.next_seq[i], sent_us: now_us() }
    }

    fn report(&self) -> Vec<(u32, u64)> {
        self.ids.iter().copied().zip(self.next_seq.iter().copied()).collect()
    }
}

/// The custom fields of an event: the marker and padding up to about `payload_bytes`.
fn custom_fields(marker: &Marker, payload_bytes: usize) -> String {
    let head = format!(r#""{KEY}":"{}""#, marker.value());
    let pad = payload_bytes.saturating_sub(head.len() + 9);
    format!(r#"{head},"pad":"{}""#, "x".repeat(pad))
}

/// Runs publisher `publisher` from `start` until `end`.
pub async fn run(plan: Rc<Plan>, publisher: u32, start: Instant, end: Instant, counters: Rc<PublishCounters>) -> Result<Published, String> {
    let streams = Streams::new(plan.streams_of_publisher(publisher));
    if streams.ids.is_empty() || plan.rate <= 0.0 {
        tokio::time::sleep_until(end).await;
        return Ok(Published { per_stream: streams.report(), keep_alive: None });
    }
    let run = Run { plan, publisher, start, end, counters };
    match run.plan.via {
        Via::Socket => by_socket(run, streams).await,
        Via::Rest => by_rest(run, streams).await,
    }
}

/// One publisher's run: who it is, when it sends, where it counts.
struct Run {
    plan: Rc<Plan>,
    publisher: u32,
    start: Instant,
    end: Instant,
    counters: Rc<PublishCounters>,
}

/// Paces sends: on each 1 ms tick, how many events are due now (at most 50 ms worth at once).
struct Pacer {
    start: Instant,
    end: Instant,
    rate: f64,
    cap: u64,
    done: u64,
    tick: tokio::time::Interval,
}

impl Pacer {
    fn new(start: Instant, end: Instant, rate: f64) -> Self {
        let mut tick = tokio::time::interval_at(start, Duration::from_millis(1));
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        Pacer { start, end, rate, cap: ((rate * 0.05) as u64).max(1), done: 0, tick }
    }

    /// Waits for the next tick; None once the run is over.
    async fn due(&mut self) -> Option<u64> {
        self.tick.tick().await;
        let now = Instant::now();
        if now >= self.end {
            return None;
        }
        let target = (now.duration_since(self.start).as_secs_f64() * self.rate) as u64;
        let n = target.saturating_sub(self.done).min(self.cap);
        self.done += n;
        Some(n)
    }
}

async fn by_socket(run: Run, mut streams: Streams) -> Result<Published, String> {
    let Run { plan, publisher, start, end, counters } = run;
    let conn = client::open(&plan, plan.url_of_publisher(publisher), &plan.publisher_user_id(publisher), plan.source_ip(publisher)).await?;
    let (mut sink, mut incoming) = conn.ws.split();
    let reader_counters = counters.clone();
    let reader = tokio::task::spawn_local(async move {
        while let Some(Ok(msg)) = incoming.next().await {
            if let Message::Text(text) = msg {
                if text.starts_with("{\"error\"") || text.contains("\"type\":\"error\"") {
                    if reader_counters.error_frames.get() == 0 {
                        eprintln!("bench: the node refused a publisher frame: {}", &text[..text.len().min(300)]);
                    }
                    reader_counters.error_frames.set(reader_counters.error_frames.get() + 1);
                }
            }
        }
    });
    let cids: Vec<String> = streams.ids.iter().map(|&s| plan.cid(s)).collect();
    let mut pacer = Pacer::new(start, end, plan.rate_per_publisher());
    while let Some(n) = pacer.due().await {
        for _ in 0..n {
            let i = streams.next();
            let fields = custom_fields(&streams.marker(i), plan.payload_bytes);
            let frame = format!(r#"{{"type":"bench","cid":"{}",{fields}}}"#, cids[i]);
            sink.feed(Message::text(frame)).await.map_err(|e| format!("publisher {publisher}: {e}"))?;
            streams.next_seq[i] += 1;
            counters.sent.set(counters.sent.get() + 1);
        }
        sink.flush().await.map_err(|e| format!("publisher {publisher}: {e}"))?;
    }
    Ok(Published { per_stream: streams.report(), keep_alive: Some(Box::new((sink, reader))) })
}

async fn by_rest(run: Run, mut streams: Streams) -> Result<Published, String> {
    let Run { plan, publisher, start, end, counters } = run;
    let http = rest::client();
    let server = token::server_token(&plan.api_secret);
    let base = plan.url_of_publisher(publisher).to_owned();
    let sender = plan.publisher_user_id(publisher);
    let mut pacer = Pacer::new(start, end, plan.rate_per_publisher());
    while let Some(n) = pacer.due().await {
        for _ in 0..n {
            let i = streams.next();
            let stream = streams.ids[i];
            let fields = custom_fields(&streams.marker(i), plan.payload_bytes);
            let (path, event) = match plan.target {
                Target::Channels => (
                    format!("/channels/{}/{}/event", plan.channel_type, plan.channel_id(stream)),
                    format!(r#"{{"type":"bench","user_id":"{sender}",{fields}}}"#),
                ),
                Target::Users => (format!("/users/{}/event", plan.user_id(stream)), format!(r#"{{"type":"bench",{fields}}}"#)),
            };
            let body = serde_json::json!({ "event": serde_json::from_str::<serde_json::Value>(&event).expect("bench event is JSON") });
            match rest::post(&http, &base, &plan.api_key, &path, "", Auth::Server(&server), &body).await {
                Ok(()) => {
                    streams.next_seq[i] += 1;
                    counters.sent.set(counters.sent.get() + 1);
                }
                Err(e) => {
                    if counters.failed.get() == 0 {
                        eprintln!("bench: publisher {publisher}: {e}");
                    }
                    counters.failed.set(counters.failed.get() + 1);
                }
            }
        }
    }
    Ok(Published { per_stream: streams.report(), keep_alive: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_about_the_requested_size_and_carries_the_marker() {
        let m = Marker { stream: 3, seq: 12, sent_us: 1_763_000_000_000_000 };
        let fields = custom_fields(&m, 100);
        assert!((95..=105).contains(&fields.len()), "{}", fields.len());
        let event = format!("{{{fields}}}");
        assert_eq!(crate::marker::find(event.as_bytes()), Some(m));
        assert!(custom_fields(&m, 0).starts_with(r#""herald_bench":"3:12:"#), "tiny payloads keep the marker");
    }

    #[test]
    fn streams_round_robin_and_report_what_was_sent() {
        let mut s = Streams::new(vec![4, 9]);
        let order: Vec<usize> = (0..5).map(|_| s.next()).collect();
        assert_eq!(order, vec![0, 1, 0, 1, 0]);
        s.next_seq[1] = 7;
        assert_eq!(s.report(), vec![(4, 0), (9, 7)]);
    }
}
