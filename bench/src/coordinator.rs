//! The `herald bench` process: prepares users and channels, starts the worker processes
//! (`herald bench-worker`, the same executable), moves them through the phases of
//! [`crate::wire`], prints a live progress line, and adds up the exact accounting into a
//! [`Report`]. It samples the server's memory and CPU when the nodes run on this machine.

use crate::accounting::{lost, Tally};
use crate::latency;
use crate::marker::now_us;
use crate::plan::Plan;
use crate::report::{Report, Scenario};
use crate::server_stats::{self, Sample, ServerFigures};
use crate::setup;
use crate::wire::{DoneReport, FromWorker, Setup, ToWorker, WorkerStart};
use anyhow::{bail, Context};
use std::io::IsTerminal;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Runs the plan; `server_pids` None means "find the local listeners".
pub fn run(plan: Plan, server_pids: Option<Vec<u32>>, quiet: bool) -> anyhow::Result<Report> {
    crate::raise_open_file_limit();
    plan.validate().map_err(anyhow::Error::msg)?;
    actix_rt::System::new().block_on(coordinate(plan, server_pids, quiet))
}

struct Workers {
    children: Vec<Child>,
    stdins: Vec<ChildStdin>,
    events: mpsc::UnboundedReceiver<(usize, anyhow::Result<FromWorker>)>,
}

impl Workers {
    async fn start(plan: &Plan) -> anyhow::Result<Workers> {
        let exe = std::env::current_exe().context("cannot find the herald executable to start workers")?;
        let (tx, events) = mpsc::unbounded_channel();
        let (mut children, mut stdins) = (Vec::new(), Vec::new());
        for worker in 0..plan.workers {
            let mut child = Command::new(&exe)
                .arg("bench-worker")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .with_context(|| format!("cannot start worker {worker} ({})", exe.display()))?;
            let mut stdin = child.stdin.take().expect("piped stdin");
            let start = serde_json::to_string(&WorkerStart { worker, plan: plan.clone() })?;
            stdin.write_all(format!("{start}\n").as_bytes()).await?;
            let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
            let tx = tx.clone();
            let index = worker as usize;
            actix_rt::spawn(async move {
                loop {
                    let item = match lines.next_line().await {
                        Ok(Some(line)) => {
                            serde_json::from_str::<FromWorker>(&line).map_err(|e| anyhow::anyhow!("worker {index} said {line:?}: {e}"))
                        }
                        Ok(None) => Err(anyhow::anyhow!("worker {index} exited early (see its messages above)")),
                        Err(e) => Err(anyhow::anyhow!("worker {index}: {e}")),
                    };
                    // Done is a worker's last word: its exit after it is not an error (another
                    // worker may still be draining when this one's stdout closes).
                    let stop = matches!(item, Err(_) | Ok(FromWorker::Done(_)));
                    if tx.send((index, item)).is_err() || stop {
                        return;
                    }
                }
            });
            children.push(child);
            stdins.push(stdin);
        }
        Ok(Workers { children, stdins, events })
    }

    async fn tell(&mut self, msg: &ToWorker) -> anyhow::Result<()> {
        let line = format!("{}\n", serde_json::to_string(msg)?);
        for stdin in &mut self.stdins {
            stdin.write_all(line.as_bytes()).await?;
        }
        Ok(())
    }

    async fn next(&mut self) -> anyhow::Result<(usize, FromWorker)> {
        let (i, item) = self.events.recv().await.context("every worker went away")?;
        Ok((i, item?))
    }
}

/// Live figures while events flow.
struct Progress {
    enabled: bool,
    tty: bool,
    sent: Vec<u64>,
    received: Vec<u64>,
    started: Instant,
    last_print: Instant,
    last: (u64, u64),
}

impl Progress {
    fn new(workers: usize, enabled: bool) -> Self {
        let now = Instant::now();
        Progress {
            enabled,
            tty: std::io::stderr().is_terminal(),
            sent: vec![0; workers],
            received: vec![0; workers],
            started: now,
            last_print: now,
            last: (0, 0),
        }
    }

    fn update(&mut self, worker: usize, sent: u64, received: u64) {
        self.sent[worker] = sent;
        self.received[worker] = received;
        let since = self.last_print.elapsed().as_secs_f64();
        if !self.enabled || since < 0.95 {
            return;
        }
        let (sent, received) = (self.sent.iter().sum::<u64>(), self.received.iter().sum::<u64>());
        let line = format!(
            "[{:>5.1}s] sent {sent} ({:.0}/s)  received {received} ({:.0}/s)",
            self.started.elapsed().as_secs_f64(),
            (sent - self.last.0) as f64 / since,
            (received - self.last.1) as f64 / since
        );
        if self.tty {
            eprint!("\r{line}   ");
        } else {
            eprintln!("{line}");
        }
        self.last = (sent, received);
        self.last_print = Instant::now();
    }

    fn finish(&self) {
        if self.enabled && self.tty {
            eprintln!();
        }
    }
}

async fn coordinate(plan: Plan, server_pids: Option<Vec<u32>>, quiet: bool) -> anyhow::Result<Report> {
    let pids = server_pids.unwrap_or_else(|| server_stats::find_listeners(&local_ports(&plan)));
    if !quiet {
        eprintln!("bench: run {}; server processes measured: {:?}", plan.run_id, pids);
    }
    setup::prepare(&plan).await.map_err(|e| anyhow::anyhow!("setting up users and channels failed: {e}"))?;
    let before = server_stats::sample(&pids);

    let mut workers = Workers::start(&plan).await?;
    let mut setups: Vec<Setup> = Vec::new();
    while setups.len() < plan.workers as usize {
        match workers.next().await? {
            (_, FromWorker::Ready(setup)) => setups.push(setup),
            (i, other) => bail!("worker {i}: expected ready, got {other:?}"),
        }
    }
    let idle = server_stats::sample(&pids);
    let connections_ok: u64 = setups.iter().map(|s| s.connections_ok).sum();
    let connect_secs = setups.iter().map(|s| s.connect_secs).fold(0.0, f64::max);
    if !quiet {
        let failed: u64 = setups.iter().map(|s| s.connections_failed).sum();
        eprintln!(
            "bench: {connections_ok} connections open ({failed} failed) in {connect_secs:.2}s; publishing for {}s",
            plan.duration_secs
        );
    }

    let start_us = now_us() + 200_000;
    workers.tell(&ToWorker::Go { start_us }).await?;
    let at_go = server_stats::sample(&pids);
    let mut progress = Progress::new(plan.workers as usize, !quiet);
    let mut sent = vec![0u64; plan.streams() as usize];
    let (mut events_failed, mut send_secs, mut sent_reports) = (0u64, 0f64, 0usize);
    while sent_reports < plan.workers as usize {
        match workers.next().await? {
            (i, FromWorker::Progress { sent, received }) => progress.update(i, sent, received),
            (_, FromWorker::Sent(report)) => {
                for (stream, count) in report.per_stream {
                    sent[stream as usize] += count;
                }
                events_failed += report.failed;
                send_secs = send_secs.max(report.send_secs);
                sent_reports += 1;
            }
            (i, other) => bail!("worker {i}: expected progress or sent, got {other:?}"),
        }
    }
    let events_sent: u64 = sent.iter().sum();
    workers.tell(&ToWorker::Drain { sent }).await?;
    let mut done: Vec<DoneReport> = Vec::new();
    while done.len() < plan.workers as usize {
        match workers.next().await? {
            (i, FromWorker::Progress { sent, received }) => progress.update(i, sent, received),
            (_, FromWorker::Done(report)) => done.push(report),
            (i, other) => bail!("worker {i}: expected done, got {other:?}"),
        }
    }
    progress.finish();
    let end = server_stats::sample(&pids);
    let end_us = now_us();
    for child in &mut workers.children {
        let _ = child.wait().await;
    }

    let mut tally = Tally::default();
    let mut histogram = latency::new_histogram();
    for d in &done {
        tally.merge(&d.tally);
        histogram.add(latency::decode(&d.histogram)?).context("merging latency histograms")?;
    }
    let expected: u64 = done.iter().map(|d| d.expected).sum();
    let last_delivery_us = done.iter().map(|d| d.last_delivery_us).max().unwrap_or(0);
    let delivery_secs = last_delivery_us.saturating_sub(start_us) as f64 / 1e6;
    let server = server_figures(&pids, before, idle, at_go, end, connections_ok, end_us.saturating_sub(start_us) as f64 / 1e6);
    Ok(Report {
        scenario: Scenario {
            target: plan.target,
            nodes: plan.urls.len(),
            connections: plan.connections,
            channels: plan.channels,
            watchers: plan.watchers,
            rate: plan.rate,
            duration_secs: plan.duration_secs,
            payload_bytes: plan.payload_bytes,
            via: plan.via,
            publishers: plan.publishers,
            workers: plan.workers,
        },
        connections_ok,
        connections_failed: setups.iter().map(|s| s.connections_failed).sum(),
        connect_secs,
        connect_rate_per_sec: if connect_secs > 0.0 { connections_ok as f64 / connect_secs } else { 0.0 },
        watches_ok: setups.iter().map(|s| s.watches_ok).sum(),
        watches_failed: setups.iter().map(|s| s.watches_failed).sum(),
        events_sent,
        events_failed,
        publish_error_frames: done.iter().map(|d| d.error_frames).sum(),
        send_rate_per_sec: if send_secs > 0.0 { events_sent as f64 / send_secs } else { 0.0 },
        deliveries_expected: expected,
        deliveries_received: tally.unique(),
        lost: lost(expected, tally.unique()),
        duplicates: tally.duplicates,
        out_of_order: tally.out_of_order,
        deliveries_per_sec: if delivery_secs > 0.0 { tally.unique() as f64 / delivery_secs } else { 0.0 },
        disconnects: done.iter().map(|d| d.disconnects).sum(),
        latency_ms: latency::percentiles(&histogram),
        server,
        errors: setups.iter().flat_map(|s| s.errors.iter().cloned()).take(5).collect(),
    })
}

/// Ports of the nodes that run on this machine (loopback URLs).
fn local_ports(plan: &Plan) -> Vec<u16> {
    let mut ports: Vec<u16> = plan
        .urls
        .iter()
        .chain(&plan.publish_urls)
        .filter_map(|u| crate::rest::host_port(u).ok())
        .filter(|(host, _)| host == "localhost" || host.starts_with("127."))
        .map(|(_, port)| port)
        .collect();
    ports.sort();
    ports.dedup();
    ports
}

fn server_figures(
    pids: &[u32],
    before: Option<Sample>,
    idle: Option<Sample>,
    at_go: Option<Sample>,
    end: Option<Sample>,
    connections: u64,
    busy_secs: f64,
) -> Option<ServerFigures> {
    if pids.is_empty() {
        return None;
    }
    let (before, idle, at_go, end) = (before?, idle?, at_go?, end?);
    Some(ServerFigures {
        pids: pids.to_vec(),
        rss_bytes_before: before.rss,
        rss_bytes_idle: idle.rss,
        rss_bytes_end: end.rss,
        rss_bytes_peak: end.rss_peak,
        rss_per_connection_bytes: idle.rss.saturating_sub(before.rss) / connections.max(1),
        cpu_percent: if busy_secs > 0.0 { 100.0 * (end.cpu_secs - at_go.cpu_secs) / busy_secs } else { 0.0 },
    })
}
