//! The plan of one bench run: who connects where, which streams exist, who watches what, who
//! publishes what. Computed once by the coordinator from the flags and handed to every worker
//! process, so every process derives the same assignments from the same pure functions.
//!
//! - Connection `c` is user `bench-{run}-{c}`, on node `urls[c % urls]`, from source address
//!   `127.0.0.{1 + c % source_ips}` when the node is on loopback.
//! - Channels target: stream `j` is channel `{channel_type}:bench-{run}-{j}`; its `W` watchers are
//!   the watcher slots `j*W .. j*W+W`, and slot `k` belongs to connection `k % N`.
//! - Users target: stream `c` is user `c`'s own events; its one receiver is connection `c`.
//! - Publisher `p` (in worker `p % workers`) owns the streams `j ≡ p (mod P)` and numbers each
//!   stream's events from 0, so every stream has one sender and one order.
//! - Worker `w` holds a contiguous block of connections.

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;
use std::ops::Range;

/// What the events are aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Channel events to watchers (`--channels` × `--watchers`).
    Channels,
    /// User events (`POST /users/{id}/event`) to each connection's own user.
    Users,
}

/// How publishers send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// Native channel-event text frames on a publisher's own WebSocket.
    Socket,
    /// REST calls with a server token.
    Rest,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub run_id: String,
    /// Nodes the receiving connections spread over (http:// base URLs).
    pub urls: Vec<String>,
    /// Nodes the publishers spread over.
    pub publish_urls: Vec<String>,
    pub api_key: String,
    pub api_secret: String,
    pub connections: u32,
    pub target: Target,
    pub channels: u32,
    pub watchers: u32,
    pub channel_type: String,
    /// Events per second over all publishers.
    pub rate: f64,
    pub duration_secs: f64,
    pub payload_bytes: usize,
    pub via: Via,
    pub publishers: u32,
    pub workers: u32,
    pub source_ips: u32,
    pub connect_concurrency: usize,
    pub drain_timeout_secs: f64,
}

impl Plan {
    pub fn user_id(&self, conn: u32) -> String {
        format!("bench-{}-{conn}", self.run_id)
    }

    pub fn publisher_user_id(&self, publisher: u32) -> String {
        format!("bench-{}-pub-{publisher}", self.run_id)
    }

    pub fn channel_id(&self, stream: u32) -> String {
        format!("bench-{}-{stream}", self.run_id)
    }

    pub fn cid(&self, stream: u32) -> String {
        format!("{}:{}", self.channel_type, self.channel_id(stream))
    }

    /// How many streams carry events.
    pub fn streams(&self) -> u32 {
        match self.target {
            Target::Channels => self.channels,
            Target::Users => self.connections,
        }
    }

    /// The streams connection `conn` receives, in increasing order.
    pub fn streams_of_connection(&self, conn: u32) -> Vec<u32> {
        match self.target {
            Target::Users => vec![conn],
            Target::Channels => {
                let slots = u64::from(self.channels) * u64::from(self.watchers);
                let step = u64::from(self.connections);
                (u64::from(conn)..slots).step_by(step.max(1) as usize).map(|k| (k / u64::from(self.watchers)) as u32).collect()
            }
        }
    }

    /// How many connections receive each stream when every watch succeeds.
    pub fn receivers_per_stream(&self) -> u32 {
        match self.target {
            Target::Channels => self.watchers,
            Target::Users => 1,
        }
    }

    /// The connections worker `worker` holds.
    pub fn connections_of_worker(&self, worker: u32) -> Range<u32> {
        let per = self.connections.div_ceil(self.workers.max(1));
        let start = (worker * per).min(self.connections);
        start..((worker + 1) * per).min(self.connections)
    }

    /// The publishers worker `worker` runs.
    pub fn publishers_of_worker(&self, worker: u32) -> Vec<u32> {
        (0..self.publishers).filter(|p| p % self.workers.max(1) == worker).collect()
    }

    /// The streams publisher `publisher` sends on.
    pub fn streams_of_publisher(&self, publisher: u32) -> Vec<u32> {
        (0..self.streams()).filter(|s| s % self.publishers.max(1) == publisher).collect()
    }

    /// The node connection `conn` opens its socket to.
    pub fn url_of_connection(&self, conn: u32) -> &str {
        &self.urls[conn as usize % self.urls.len()]
    }

    pub fn url_of_publisher(&self, publisher: u32) -> &str {
        &self.publish_urls[publisher as usize % self.publish_urls.len()]
    }

    /// The local source address for connection `conn`, when source spreading is on.
    pub fn source_ip(&self, conn: u32) -> Option<Ipv4Addr> {
        (self.source_ips > 1).then(|| Ipv4Addr::new(127, 0, 0, 1 + (conn % self.source_ips) as u8))
    }

    /// Events each publisher sends per second.
    pub fn rate_per_publisher(&self) -> f64 {
        self.rate / f64::from(self.publishers.max(1))
    }

    /// Checks the combination of flags; the message names what to change.
    pub fn validate(&self) -> Result<(), String> {
        if self.urls.is_empty() {
            return Err("give at least one --url".into());
        }
        if self.connections == 0 {
            return Err("--connections must be at least 1".into());
        }
        if self.target == Target::Channels && self.channels > 0 && self.watchers > self.connections {
            return Err(format!(
                "--watchers {} exceeds --connections {}: a channel cannot have more watchers than there are connections",
                self.watchers, self.connections
            ));
        }
        if self.target == Target::Users && self.via == Via::Socket {
            return Err("user events are server-side only: use --via rest with --target users".into());
        }
        if self.rate > 0.0 && self.streams() == 0 {
            return Err("a positive --rate needs streams: --channels and --watchers above 0, or --target users".into());
        }
        if self.source_ips == 0 || self.source_ips > 254 {
            return Err("--source-ips must be between 1 and 254".into());
        }
        if self.workers == 0 || self.workers > self.connections {
            return Err(format!("--workers must be between 1 and --connections ({})", self.connections));
        }
        if !self.rate.is_finite() || self.rate < 0.0 || !self.duration_secs.is_finite() || self.duration_secs < 0.0 {
            return Err("--rate and --duration must be finite and not negative".into());
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn plan(connections: u32, channels: u32, watchers: u32) -> Plan {
        Plan {
            run_id: "t".into(),
            urls: vec!["http://127.0.0.1:1".into(), "http://127.0.0.1:2".into()],
            publish_urls: vec!["http://127.0.0.1:1".into()],
            api_key: "k".into(),
            api_secret: "s".into(),
            connections,
            target: Target::Channels,
            channels,
            watchers,
            channel_type: "livestream".into(),
            rate: 100.0,
            duration_secs: 1.0,
            payload_bytes: 100,
            via: Via::Socket,
            publishers: 3,
            workers: 2,
            source_ips: 4,
            connect_concurrency: 10,
            drain_timeout_secs: 1.0,
        }
    }

    /// Every channel has exactly W distinct watchers, and every connection watches
    /// ceil-or-floor(M*W/N) channels.
    #[test]
    fn watcher_slots_cover_every_channel_with_distinct_connections() {
        for (n, m, w) in [(10, 1, 10), (20, 5, 4), (7, 3, 5), (1000, 1000, 10), (5, 2, 5)] {
            let p = plan(n, m, w);
            let mut per_channel = vec![Vec::new(); m as usize];
            for c in 0..n {
                for s in p.streams_of_connection(c) {
                    per_channel[s as usize].push(c);
                }
            }
            for watchers in &mut per_channel {
                assert_eq!(watchers.len(), w as usize, "{n} {m} {w}");
                watchers.sort();
                watchers.dedup();
                assert_eq!(watchers.len(), w as usize, "distinct connections");
            }
        }
    }

    #[test]
    fn workers_publishers_and_sources_partition_everything() {
        let p = plan(10, 7, 3);
        let conns: Vec<u32> = (0..p.workers).flat_map(|w| p.connections_of_worker(w)).collect();
        assert_eq!(conns, (0..10).collect::<Vec<_>>());
        let mut streams: Vec<u32> = (0..p.publishers).flat_map(|q| p.streams_of_publisher(q)).collect();
        streams.sort();
        assert_eq!(streams, (0..7).collect::<Vec<_>>());
        let pubs: Vec<u32> = (0..p.workers).flat_map(|w| p.publishers_of_worker(w)).collect();
        assert_eq!(pubs.len(), 3);
        assert_eq!(p.source_ip(5), Some(Ipv4Addr::new(127, 0, 0, 2)));
        assert_eq!(p.url_of_connection(3), "http://127.0.0.1:2");
    }

    #[test]
    fn users_target_and_flag_checks() {
        let mut p = plan(10, 0, 0);
        p.target = Target::Users;
        assert!(p.validate().unwrap_err().contains("--via rest"));
        p.via = Via::Rest;
        assert!(p.validate().is_ok());
        assert_eq!(p.streams(), 10);
        assert_eq!(p.streams_of_connection(4), vec![4]);
        let mut q = plan(5, 2, 6);
        assert!(q.validate().unwrap_err().contains("--watchers"));
        q.watchers = 5;
        q.workers = 6;
        assert!(q.validate().unwrap_err().contains("--workers"));
    }
}
