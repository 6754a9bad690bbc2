//! herald's integration tests: one binary, a module per area, every test against a real node on
//! 127.0.0.1:0 with real WebSocket and HTTP clients. With `HERALD_TEST_ENGINE=redis` the
//! single-node tests run again in cluster mode, each node on its own real `redis-server`;
//! `cluster/` always runs three nodes on one Redis.

mod redis_server;
mod support;

mod cluster;

mod auth;
mod bans;
mod bench;
mod blocks;
mod channel_events;
mod channel_lifecycle;
mod channels;
mod conversations;
mod exports;
mod flags;
mod frames;
mod invites;
mod lifecycle;
mod member_updates;
mod members;
mod messages;
mod mutes;
mod presence;
mod reactions;
mod reads;
mod reminders;
mod rest;
mod slow_consumer;
mod unread_reminders;
mod user_events;
mod user_lifecycle;
mod watching;
mod webhook_receiver;
mod webhooks;
mod webhooks_talkplus;
