//! Default limits. Each is a configuration value in the server; these are the safe defaults.

/// A custom event's payload (the JSON of the event as the client sent it) may be at most 5 KB.
pub const MAX_CUSTOM_EVENT_BYTES: usize = 5 * 1024;
/// An inbound socket text frame larger than this gets an error frame (the connection stays open).
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Frames beyond this are a protocol violation: the socket closes with 1009.
pub const MAX_TRANSPORT_FRAME_BYTES: usize = 1024 * 1024;
/// Longest event type accepted.
pub const MAX_EVENT_TYPE_CHARS: usize = 255;
/// Channel types must match `^[\w_-]+$` and ids `^[\w!_-]+$` (JS channel.ts); both at most this long.
pub const MAX_CHANNEL_ID_CHARS: usize = 64;
/// Longest user id.
pub const MAX_USER_ID_CHARS: usize = 255;
/// query channels: default and maximum page size.
pub const QUERY_CHANNELS_DEFAULT_LIMIT: usize = 10;
pub const QUERY_CHANNELS_MAX_LIMIT: usize = 30;
/// query users: default and maximum page size.
pub const QUERY_USERS_DEFAULT_LIMIT: usize = 30;
pub const QUERY_USERS_MAX_LIMIT: usize = 100;
