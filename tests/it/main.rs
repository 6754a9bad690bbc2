//! herald's integration tests: one binary, a module per area, every test against a real node on
//! 127.0.0.1:0 with real WebSocket and HTTP clients.

mod support;

mod auth;
mod channel_events;
mod channels;
mod frames;
mod lifecycle;
mod members;
mod presence;
mod rest;
mod slow_consumer;
mod user_events;
mod watching;
