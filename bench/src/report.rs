//! The result of a run: the JSON report (a contract for scripts: the field names below do not
//! change) and the table printed at the end.

use crate::latency::Percentiles;
use crate::plan::{Target, Via};
use crate::server_stats::ServerFigures;
use serde::Serialize;
use std::fmt::Write;

/// The flags that shaped the run.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub target: Target,
    pub nodes: usize,
    pub connections: u32,
    pub channels: u32,
    pub watchers: u32,
    pub rate: f64,
    pub duration_secs: f64,
    pub payload_bytes: usize,
    pub via: Via,
    pub publishers: u32,
    pub workers: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: Scenario,
    pub connections_ok: u64,
    pub connections_failed: u64,
    pub connect_secs: f64,
    pub connect_rate_per_sec: f64,
    pub watches_ok: u64,
    pub watches_failed: u64,
    pub events_sent: u64,
    /// REST publishes the node refused (not counted as sent).
    pub events_failed: u64,
    /// Error frames on publisher sockets (refused frames; they show up as loss too).
    pub publish_error_frames: u64,
    pub send_rate_per_sec: f64,
    pub deliveries_expected: u64,
    /// Distinct deliveries received (duplicates are counted apart).
    pub deliveries_received: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
    /// Distinct deliveries per second, from the start of publishing to the last delivery.
    pub deliveries_per_sec: f64,
    /// Receiving connections the node closed during the run.
    pub disconnects: u64,
    pub latency_ms: Percentiles,
    pub server: Option<ServerFigures>,
    /// The first few setup failures, verbatim.
    pub errors: Vec<String>,
}

impl Report {
    /// Zero loss, zero duplicates, everything in order, every connection and watch made.
    pub fn is_clean(&self) -> bool {
        self.lost == 0 && self.duplicates == 0 && self.out_of_order == 0 && self.connections_failed == 0 && self.watches_failed == 0
    }

    pub fn table(&self) -> String {
        let s = &self.scenario;
        let l = &self.latency_ms;
        let mut t = String::new();
        let streams = match s.target {
            Target::Channels => format!("{} channels x {} watchers", s.channels, s.watchers),
            Target::Users => "user events, one stream per connection".to_owned(),
        };
        let _ = writeln!(
            t,
            "scenario     {} connections on {} node(s), {streams}, {} events/s for {}s, {} B payload, via {:?}, {} publishers, {} workers",
            s.connections, s.nodes, s.rate, s.duration_secs, s.payload_bytes, s.via, s.publishers, s.workers
        );
        let _ = writeln!(
            t,
            "connections  {} ok, {} failed in {:.2}s ({:.0}/s); watches {} ok, {} failed",
            self.connections_ok,
            self.connections_failed,
            self.connect_secs,
            self.connect_rate_per_sec,
            self.watches_ok,
            self.watches_failed
        );
        let _ = writeln!(
            t,
            "events       {} sent ({:.0}/s), {} refused, {} error frames",
            self.events_sent, self.send_rate_per_sec, self.events_failed, self.publish_error_frames
        );
        let _ = writeln!(
            t,
            "deliveries   {} expected, {} received, {} lost, {} duplicated, {} out of order, {} disconnects",
            self.deliveries_expected, self.deliveries_received, self.lost, self.duplicates, self.out_of_order, self.disconnects
        );
        let _ = writeln!(t, "throughput   {:.0} deliveries/s", self.deliveries_per_sec);
        let _ = writeln!(
            t,
            "latency ms   p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}  mean {:.2}",
            l.p50, l.p90, l.p99, l.p999, l.max, l.mean
        );
        match &self.server {
            Some(sv) => {
                let _ = writeln!(
                    t,
                    "server       pids {:?}: RSS {:.1} MiB before, {:.1} MiB idle, {:.1} MiB end, {:.1} MiB peak; {:.1} KiB per connection; CPU {:.0}% while events flowed",
                    sv.pids,
                    mib(sv.rss_bytes_before),
                    mib(sv.rss_bytes_idle),
                    mib(sv.rss_bytes_end),
                    mib(sv.rss_bytes_peak),
                    sv.rss_per_connection_bytes as f64 / 1024.0,
                    sv.cpu_percent
                );
            }
            None => {
                let _ = writeln!(t, "server       not on this machine (or not found): no RSS/CPU figures");
            }
        }
        for e in &self.errors {
            let _ = writeln!(t, "error        {e}");
        }
        let _ = write!(t, "verdict      {}", if self.is_clean() { "clean: no loss, no duplicates, in order" } else { "NOT CLEAN" });
        t
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
