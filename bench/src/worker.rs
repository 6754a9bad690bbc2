//! A worker process (`herald bench-worker`, started by the coordinator): holds a block of the
//! run's connections and some of its publishers, on one single-threaded runtime.
//!
//! It opens and watches its connections (bounded concurrency), reports [`Setup`], waits for
//! `go`, runs its publishers, and accounts for every bench delivery its connections receive:
//! one [`StreamTracker`] per (connection, stream), one [`Tally`] and one latency histogram per
//! process. Protocol with the coordinator: [`crate::wire`].

use crate::accounting::{StreamTracker, Tally};
use crate::client::{self, Conn, Ws};
use crate::latency;
use crate::marker::{self, now_us};
use crate::plan::{Plan, Target};
use crate::publisher::{self, PublishCounters, Published};
use crate::rest;
use crate::wire::{DoneReport, FromWorker, SentReport, Setup, ToWorker, WorkerStart};
use anyhow::Context;
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use tokio::io::{AsyncBufReadExt, BufReader, Lines, Stdin};
use tokio::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// What this process's connections have received so far.
struct Receiving {
    tally: Tally,
    histogram: Histogram<u64>,
    last_delivery_us: u64,
    /// Deliveries on a stream the connection does not listen to (should stay 0).
    unexpected: u64,
    disconnects: u64,
}

/// Entry point of `herald bench-worker`.
pub fn run() -> anyhow::Result<()> {
    crate::raise_open_file_limit();
    actix_rt::System::new().block_on(main())
}

fn say(msg: &FromWorker) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", serde_json::to_string(msg).expect("worker messages serialize"));
    let _ = out.flush();
}

async fn read(lines: &mut Lines<BufReader<Stdin>>) -> anyhow::Result<ToWorker> {
    let line = lines.next_line().await?.context("the coordinator went away")?;
    Ok(serde_json::from_str(&line)?)
}

async fn main() -> anyhow::Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let first = lines.next_line().await?.context("no start line from the coordinator")?;
    let WorkerStart { worker, plan } = serde_json::from_str(&first).context("bad start line")?;
    let plan = Rc::new(plan);
    let receiving = Rc::new(RefCell::new(Receiving {
        tally: Tally::default(),
        histogram: latency::new_histogram(),
        last_delivery_us: 0,
        unexpected: 0,
        disconnects: 0,
    }));

    let (setup, listening) = open_all(&plan, worker, &receiving).await;
    say(&FromWorker::Ready(setup));

    let ToWorker::Go { start_us } = read(&mut lines).await? else { anyhow::bail!("expected go") };
    let start = Instant::now() + Duration::from_micros(start_us.saturating_sub(now_us()));
    let end = start + Duration::from_secs_f64(plan.duration_secs);
    let counters = Rc::new(PublishCounters::default());
    let publishers: Vec<_> = plan
        .publishers_of_worker(worker)
        .into_iter()
        .map(|p| tokio::task::spawn_local(publisher::run(plan.clone(), p, start, end, counters.clone())))
        .collect();
    let progress = tokio::task::spawn_local(report_progress(counters.clone(), receiving.clone()));
    let mut per_stream = Vec::new();
    let mut keep_alive: Vec<Published> = Vec::new();
    for handle in publishers {
        match handle.await {
            Ok(Ok(published)) => {
                per_stream.extend(published.per_stream.iter().copied());
                keep_alive.push(published);
            }
            Ok(Err(e)) => anyhow::bail!("a publisher failed: {e}"),
            Err(e) => anyhow::bail!("a publisher panicked: {e}"),
        }
    }
    let send_secs = Instant::now().saturating_duration_since(start).as_secs_f64().min(plan.duration_secs.max(0.0) + 1.0);
    say(&FromWorker::Sent(SentReport { per_stream, failed: counters.failed.get(), send_secs }));

    let ToWorker::Drain { sent } = read(&mut lines).await? else { anyhow::bail!("expected drain") };
    let expected: u64 = listening.iter().map(|&s| sent.get(s as usize).copied().unwrap_or(0)).sum();
    drain(&plan, expected, &receiving).await;
    progress.abort();
    let r = receiving.borrow();
    if r.unexpected > 0 {
        eprintln!("bench: worker {worker}: {} deliveries on streams their connection does not listen to", r.unexpected);
    }
    say(&FromWorker::Done(DoneReport {
        tally: r.tally,
        expected,
        histogram: latency::encode(&r.histogram),
        last_delivery_us: r.last_delivery_us,
        disconnects: r.disconnects,
        error_frames: counters.error_frames.get(),
    }));
    drop(keep_alive);
    Ok(())
}

/// Opens and watches this worker's connections; returns the setup figures and, for every
/// (connection, stream) that listens, the stream (what deliveries to expect).
async fn open_all(plan: &Rc<Plan>, worker: u32, receiving: &Rc<RefCell<Receiving>>) -> (Setup, Vec<u32>) {
    let started = Instant::now();
    let http = rest::client();
    let opened: Vec<(u32, Result<(Conn, Vec<u32>, Vec<String>), String>)> = futures_util::stream::iter(plan.connections_of_worker(worker))
        .map(|c| {
            let (plan, http) = (plan.clone(), http.clone());
            async move { (c, open_and_watch(&plan, &http, c).await) }
        })
        .buffer_unordered(plan.connect_concurrency.max(1))
        .collect()
        .await;
    let mut setup = Setup::default();
    let mut listening = Vec::new();
    let note = |e: String, setup: &mut Setup| {
        if setup.errors.len() < 5 && !setup.errors.contains(&e) {
            setup.errors.push(e);
        }
    };
    for (c, result) in opened {
        match result {
            Ok((conn, streams, errors)) => {
                setup.connections_ok += 1;
                setup.watches_ok += streams.len() as u64;
                setup.watches_failed += errors.len() as u64;
                errors.into_iter().for_each(|e| note(e, &mut setup));
                listening.extend(streams.iter().copied());
                tokio::task::spawn_local(receive(conn.ws, streams, receiving.clone()));
            }
            Err(e) => {
                setup.connections_failed += 1;
                setup.watches_failed += plan.streams_of_connection(c).len() as u64;
                note(e, &mut setup);
            }
        }
    }
    setup.connect_secs = started.elapsed().as_secs_f64();
    (setup, listening)
}

/// Opens connection `c` and watches its channels; returns the streams it listens to and the
/// watches that failed.
async fn open_and_watch(plan: &Plan, http: &awc::Client, c: u32) -> Result<(Conn, Vec<u32>, Vec<String>), String> {
    let base = plan.url_of_connection(c);
    let conn = client::open(plan, base, &plan.user_id(c), plan.source_ip(c)).await?;
    let mut listening = Vec::new();
    let mut errors = Vec::new();
    for stream in plan.streams_of_connection(c) {
        if plan.target == Target::Users {
            listening.push(stream);
            continue;
        }
        match client::watch(http, plan, base, &conn, stream).await {
            Ok(()) => listening.push(stream),
            Err(e) => errors.push(e),
        }
    }
    Ok((conn, listening, errors))
}

/// Reads one connection until it closes, accounting for every bench delivery.
async fn receive(mut ws: Ws, streams: Vec<u32>, receiving: Rc<RefCell<Receiving>>) {
    let mut trackers: Vec<(u32, StreamTracker)> = streams.into_iter().map(|s| (s, StreamTracker::default())).collect();
    while let Some(msg) = ws.next().await {
        let text = match msg {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => continue,
        };
        let Some(m) = marker::find(text.as_bytes()) else { continue };
        let now = now_us();
        let mut r = receiving.borrow_mut();
        match trackers.iter_mut().find(|(s, _)| *s == m.stream) {
            Some((_, tracker)) => {
                let arrival = tracker.record(m.seq);
                r.tally.count(arrival);
                r.histogram.saturating_record(now.saturating_sub(m.sent_us).max(1));
                r.last_delivery_us = now;
            }
            None => r.unexpected += 1,
        }
    }
    receiving.borrow_mut().disconnects += 1;
}

/// Waits until every expected delivery arrived, or nothing new arrived for the drain timeout.
async fn drain(plan: &Plan, expected: u64, receiving: &Rc<RefCell<Receiving>>) {
    let quiet_limit = Duration::from_secs_f64(plan.drain_timeout_secs);
    let mut last = receiving.borrow().tally.unique();
    let mut last_change = Instant::now();
    loop {
        let unique = receiving.borrow().tally.unique();
        if unique >= expected {
            return;
        }
        if unique != last {
            last = unique;
            last_change = Instant::now();
        } else if last_change.elapsed() >= quiet_limit {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn report_progress(counters: Rc<PublishCounters>, receiving: Rc<RefCell<Receiving>>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    loop {
        tick.tick().await;
        let received = receiving.borrow().tally.received;
        say(&FromWorker::Progress { sent: counters.sent.get(), received });
    }
}
