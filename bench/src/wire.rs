//! What the coordinator and its worker processes say to each other: one JSON object per line,
//! workers on stdout, the coordinator on each worker's stdin. Diagnostics go to stderr.
//!
//! Sequence: the coordinator writes [`WorkerStart`]; the worker connects and watches, then
//! says [`FromWorker::Ready`]; the coordinator says [`ToWorker::Go`]; the worker publishes
//! (with [`FromWorker::Progress`] every second) and says [`FromWorker::Sent`]; once every worker
//! has, the coordinator says [`ToWorker::Drain`] with the events sent per stream; the worker
//! waits for what it expects (or a quiet timeout) and says [`FromWorker::Done`].

use crate::accounting::Tally;
use crate::plan::Plan;
use serde::{Deserialize, Serialize};

/// The first line a worker reads.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkerStart {
    pub worker: u32,
    pub plan: Plan,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToWorker {
    /// Start publishing at this time (Unix µs).
    Go { start_us: u64 },
    /// Events really sent on each stream (index = stream).
    Drain { sent: Vec<u64> },
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Setup {
    pub connections_ok: u64,
    pub connections_failed: u64,
    pub watches_ok: u64,
    pub watches_failed: u64,
    pub connect_secs: f64,
    /// The first few distinct failure messages.
    pub errors: Vec<String>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct SentReport {
    /// (stream, events sent) for the streams this worker's publishers own.
    pub per_stream: Vec<(u32, u64)>,
    /// REST calls the node refused (their sequence numbers were reused, so they are not lost).
    pub failed: u64,
    /// Seconds the publishers ran.
    pub send_secs: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DoneReport {
    pub tally: Tally,
    pub expected: u64,
    /// The latency histogram (µs), V2-serialized, base64.
    pub histogram: String,
    /// When the last bench delivery arrived (Unix µs; 0 when none did).
    pub last_delivery_us: u64,
    /// Receiving connections that closed during the run.
    pub disconnects: u64,
    /// Error frames publishers received on their sockets (each one an event not delivered).
    pub error_frames: u64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromWorker {
    Ready(Setup),
    Progress { sent: u64, received: u64 },
    Sent(SentReport),
    Done(DoneReport),
}
