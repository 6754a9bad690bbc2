//! herald's wire contract, shared by the actors, the server and any tool that speaks to herald.
//!
//! serde only: no runtime, no I/O. It owns
//! - [`error`]: the Stream error envelope and its numeric codes,
//! - [`close`]: WebSocket close codes and what a client should do with them,
//! - [`limits`]: default sizes (custom event payload, frames),
//! - [`event_type`]: which event types exist, which a client may send, which a user event may use,
//! - [`user`], [`channel`]: the records herald stores and returns,
//! - [`message`]: messages and reactions, their request bodies and input rules,
//! - [`read`]: read state (last read, unread counts) per channel member,
//! - [`lifecycle`]: channel mutes and the truncate / hide / mute request bodies,
//! - [`connect`]: the `json` payload of `GET /connect`,
//! - [`conversation`]: the rules of Vonage-style conversation custom events,
//! - [`frame`]: how an inbound socket text frame is classified.
//!
//! Events themselves are JSON objects with custom fields flattened at the top level
//! (`{"type":"friendship_request","cid":"messaging:room1","text":"hi",…}`), so they travel as
//! `serde_json::Map` and are encoded once where they enter herald.

pub mod api;
pub mod app;
pub mod channel;
pub mod close;
pub mod connect;
pub mod conversation;
pub mod error;
pub mod event_type;
pub mod frame;
pub mod lifecycle;
pub mod limits;
pub mod message;
pub mod read;
pub mod user;

pub use error::{ApiErrorBody, ErrorCode};

/// A JSON object: the shape of events, custom data and request bodies.
pub type JsonMap = serde_json::Map<String, serde_json::Value>;
