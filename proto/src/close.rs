//! WebSocket close codes herald uses, and what each tells a client.
//!
//! The Stream JS client treats 1000 as "do not reconnect" and every other code as "reconnect with
//! backoff". herald closes with 1000 only after an auth error frame; anything transient (restart,
//! slow consumer, missed heartbeats) uses the 4000–4499 reconnect range (centrifuge's convention).

/// Auth rejected after the error frame: the client must not retry with the same credentials.
pub const REJECTED: u16 = 1000;
/// A frame larger than the transport limit.
pub const MESSAGE_TOO_BIG: u16 = 1009;
/// The node is shutting down or restarting: reconnect (to another node).
pub const SHUTDOWN: u16 = 4000;
/// The client did not read its events fast enough; its outbound queue hit the limit: reconnect.
pub const SLOW_CONSUMER: u16 = 4001;
/// Nothing heard from the client within the client timeout: reconnect.
pub const CLIENT_TIMEOUT: u16 = 4002;
/// The connection could not be set up now (cluster mode: Redis unreachable), after an error
/// frame with code 23: reconnect with backoff.
pub const UNAVAILABLE: u16 = 4003;

/// True when a client should reconnect after this close code.
pub fn should_reconnect(code: u16) -> bool {
    code != REJECTED
}
