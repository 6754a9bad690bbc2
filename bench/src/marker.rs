//! The bench marker every event carries: `"herald_bench":"STREAM:SEQ:SENT_US"`, a custom field
//! the server passes through untouched. Receivers find it with one substring search over the
//! frame's bytes instead of parsing the JSON, so the client's cost per delivery stays small.

use memchr::memmem;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The JSON key of the marker.
pub const KEY: &str = "herald_bench";

/// One event's identity: which stream, which sequence on it, when it was handed to the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub stream: u32,
    pub seq: u64,
    pub sent_us: u64,
}

impl Marker {
    /// The marker's value (without quotes).
    pub fn value(&self) -> String {
        format!("{}:{}:{}", self.stream, self.seq, self.sent_us)
    }
}

fn finder() -> &'static memmem::Finder<'static> {
    static FINDER: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    FINDER.get_or_init(|| memmem::Finder::new(b"\"herald_bench\":\""))
}

/// Finds and parses the marker in a delivered frame; None for frames that carry none (the
/// handshake, heartbeats, watching events).
pub fn find(frame: &[u8]) -> Option<Marker> {
    let start = finder().find(frame)? + KEY.len() + 4;
    let rest = &frame[start..];
    let (stream, rest) = number(rest, b':')?;
    let (seq, rest) = number(rest, b':')?;
    let (sent_us, _) = number(rest, b'"')?;
    Some(Marker { stream: u32::try_from(stream).ok()?, seq, sent_us })
}

/// Parses decimal digits up to `end`; returns the number and what follows `end`.
fn number(bytes: &[u8], end: u8) -> Option<(u64, &[u8])> {
    let mut n: u64 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' => n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?,
            _ if b == end && i > 0 => return Some((n, &bytes[i + 1..])),
            _ => return None,
        }
    }
    None
}

/// Microseconds since the Unix epoch (the one clock every process on the box shares).
pub fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_inside_a_server_frame() {
        let m = Marker { stream: 42, seq: 7, sent_us: 1_700_000_000_123_456 };
        let frame = format!(r#"{{"channel_id":"x","{KEY}":"{}","pad":"aaa","type":"bench","user":{{"id":"u"}}}}"#, m.value());
        assert_eq!(find(frame.as_bytes()), Some(m));
    }

    #[test]
    fn frames_without_a_marker_or_with_a_broken_one() {
        assert_eq!(find(br#"{"type":"health.check","connection_id":"c"}"#), None);
        assert_eq!(find(br#"{"herald_bench":"1:2"}"#), None);
        assert_eq!(find(br#"{"herald_bench":"1::3"}"#), None);
        assert_eq!(find(br#"{"herald_bench":"a:2:3"}"#), None);
        assert_eq!(find(br#"{"herald_bench":"99999999999:2:3"}"#), None, "stream index beyond u32");
    }
}
