//! Timestamps as the Stream protocol writes them: RFC 3339, UTC, nanoseconds.

/// Now, e.g. `2026-11-21T12:00:00.123456789Z`.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// The zero time Stream uses for "never" (`read[].last_read` of a member who never read).
pub const NEVER: &str = "0001-01-01T00:00:00Z";
