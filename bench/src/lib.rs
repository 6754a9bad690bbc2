//! herald-bench: the load tester behind `herald bench`. It drives one node or a cluster through
//! the real protocol (WebSocket `/connect`, REST watch queries, native channel-event frames or
//! REST publishes, user events) and accounts for every delivery exactly: each event carries its
//! stream, sequence and send time, so the report gives loss, duplicates, reordering and
//! end-to-end latency, plus the server's memory and CPU when it runs on this machine.
//!
//! Layout: [`plan`] (who does what, pure), [`coordinator`] (the `herald bench` process),
//! [`worker`] (the `herald bench-worker` processes that hold the sockets), [`client`] and
//! [`publisher`] (the protocol), [`accounting`], [`marker`] and [`latency`] (the figures),
//! [`report`] (the JSON contract and the table), [`server_stats`] (/proc), [`setup`], [`rest`],
//! [`token`], [`wire`] (coordinator ↔ worker lines).

pub mod accounting;
pub mod client;
pub mod coordinator;
pub mod latency;
pub mod marker;
pub mod plan;
pub mod publisher;
pub mod report;
pub mod rest;
pub mod server_stats;
pub mod setup;
pub mod token;
pub mod wire;
pub mod worker;

use plan::{Plan, Target, Via};
use rand::distr::{Alphanumeric, SampleString};
use std::path::PathBuf;

/// Sockets one worker process holds at most before the coordinator adds another worker (one
/// process may hold 20,000 open files on the machines herald is measured on).
pub const SOCKETS_PER_WORKER: u32 = 15_000;

/// `herald bench` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// A node to connect receivers to (repeatable; connections are spread round-robin).
    #[arg(long = "url", default_value = "http://127.0.0.1:8080")]
    pub urls: Vec<String>,
    /// A node publishers send to (repeatable; default: the --url nodes).
    #[arg(long = "publish-url")]
    pub publish_urls: Vec<String>,
    /// The app's API key (default: the configured api_key).
    #[arg(long)]
    pub api_key: Option<String>,
    /// The app's API secret, to sign tokens (default: HERALD_API_SECRET / the configured one).
    #[arg(long)]
    pub api_secret: Option<String>,
    /// Receiving WebSocket connections (each its own user).
    #[arg(long, default_value_t = 1000)]
    pub connections: u32,
    /// Channels events are published on (`--target channels`).
    #[arg(long, default_value_t = 100)]
    pub channels: u32,
    /// Watchers per channel (watcher slots are dealt to connections round-robin).
    #[arg(long, default_value_t = 10)]
    pub watchers: u32,
    /// What events aim at: channel watchers, or each connection's own user.
    #[arg(long, value_enum, default_value_t = Target::Channels)]
    pub target: Target,
    /// Events per second, over all publishers (0: connect, measure, publish nothing).
    #[arg(long, default_value_t = 1000.0)]
    pub rate: f64,
    /// Seconds of publishing.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// About how many bytes of custom fields each event carries (marker plus padding).
    #[arg(long, default_value_t = 100)]
    pub payload_bytes: usize,
    /// How publishers send: native socket frames, or REST with a server token.
    #[arg(long, value_enum, default_value_t = Via::Socket)]
    pub via: Via,
    /// Publishers (each owns a share of the streams; default: 8 by socket, 16 by REST, at most one per stream).
    #[arg(long)]
    pub publishers: Option<u32>,
    /// Worker processes (default: one per 15,000 sockets).
    #[arg(long)]
    pub workers: Option<u32>,
    /// Spread connections over source addresses 127.0.0.1..=127.0.0.K (loopback nodes only).
    #[arg(long, default_value_t = 8)]
    pub source_ips: u32,
    /// Connections being opened at once, per worker.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,
    /// After publishing, wait at most this many seconds without progress for missing deliveries.
    #[arg(long, default_value_t = 5.0)]
    pub drain_timeout: f64,
    /// The channel type used (must let any user read; custom events on).
    #[arg(long, default_value = "livestream")]
    pub channel_type: String,
    /// Server processes to measure (default: whatever listens on the loopback nodes' ports).
    #[arg(long = "server-pid")]
    pub server_pids: Vec<u32>,
    /// Write the JSON report here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// No progress line.
    #[arg(long)]
    pub quiet: bool,
    /// Exit with status 3 unless the run was clean (no loss, duplicates, reordering or failures).
    #[arg(long)]
    pub fail_unclean: bool,
}

impl BenchArgs {
    /// The plan, with the node's configured key and secret as fallbacks.
    pub fn plan(&self, default_key: &str, default_secret: &str) -> anyhow::Result<Plan> {
        let api_secret = self.api_secret.clone().unwrap_or_else(|| default_secret.to_owned());
        anyhow::ensure!(
            !api_secret.is_empty(),
            "no API secret: pass --api-secret or set HERALD_API_SECRET to the secret the nodes run with"
        );
        let urls: Vec<String> = self.urls.iter().map(|u| u.trim_end_matches('/').to_owned()).collect();
        let publish_urls = if self.publish_urls.is_empty() { urls.clone() } else { self.publish_urls.clone() };
        let streams = match self.target {
            Target::Channels => self.channels,
            Target::Users => self.connections,
        };
        let publishers = self.publishers.unwrap_or(match self.via {
            Via::Socket => 8,
            Via::Rest => 16,
        });
        let publishers = publishers.min(streams).max(1);
        let sockets = self.connections + if self.via == Via::Socket { publishers } else { 0 };
        let plan = Plan {
            run_id: Alphanumeric.sample_string(&mut rand::rng(), 6).to_lowercase(),
            urls,
            publish_urls,
            api_key: self.api_key.clone().unwrap_or_else(|| default_key.to_owned()),
            api_secret,
            connections: self.connections,
            target: self.target,
            channels: self.channels,
            watchers: self.watchers,
            channel_type: self.channel_type.clone(),
            rate: self.rate,
            duration_secs: self.duration,
            payload_bytes: self.payload_bytes,
            via: self.via,
            publishers,
            workers: self.workers.unwrap_or_else(|| sockets.div_ceil(SOCKETS_PER_WORKER).max(1)),
            source_ips: self.source_ips,
            connect_concurrency: self.connect_concurrency,
            drain_timeout_secs: self.drain_timeout,
        };
        plan.validate().map_err(anyhow::Error::msg)?;
        Ok(plan)
    }
}

/// Runs `herald bench`: prints the table, writes the JSON, and exits 3 with `--fail-unclean`
/// when the run was not clean.
pub fn run(args: BenchArgs, default_key: &str, default_secret: &str) -> anyhow::Result<()> {
    let plan = args.plan(default_key, default_secret)?;
    let pids = (!args.server_pids.is_empty()).then(|| args.server_pids.clone());
    let report = coordinator::run(plan, pids, args.quiet)?;
    println!("{}", report.table());
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    if args.fail_unclean && !report.is_clean() {
        std::process::exit(3);
    }
    Ok(())
}

/// Runs `herald bench-worker` (started by `herald bench`, never by hand).
pub fn run_worker() -> anyhow::Result<()> {
    worker::run()
}

/// Raises this process's open-file limit to its hard limit (sockets are files).
pub fn raise_open_file_limit() {
    // SAFETY: getrlimit/setrlimit with a valid, owned struct.
    unsafe {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
