//! ChannelActor: one per channel with watchers on this node. It holds those watchers' inboxes
//! and fans each channel publication out to them with `try_send`; it never awaits.
//!
//! Started and stopped by the registry (which counts local watchers); state that outlives it
//! (members, config, watcher counts across nodes) lives in the Store.

use crate::inbox::Inbox;
use crate::metrics::Metrics;
use crate::session::Deliver;
use crate::ConnId;
use actix::prelude::*;
use bytestring::ByteString;
use std::collections::HashMap;
use std::sync::Arc;

pub struct ChannelActor {
    watchers: HashMap<ConnId, Inbox>,
    metrics: Arc<Metrics>,
}

impl ChannelActor {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        ChannelActor { watchers: HashMap::new(), metrics }
    }
}

impl Actor for ChannelActor {
    type Context = Context<Self>;
}

/// A connection on this node starts watching.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Join {
    pub conn: ConnId,
    pub inbox: Inbox,
}

impl Handler<Join> for ChannelActor {
    type Result = ();
    fn handle(&mut self, msg: Join, _: &mut Context<Self>) {
        self.watchers.insert(msg.conn, msg.inbox);
    }
}

/// A connection on this node stops watching.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Leave {
    pub conn: ConnId,
}

impl Handler<Leave> for ChannelActor {
    type Result = ();
    fn handle(&mut self, msg: Leave, _: &mut Context<Self>) {
        self.watchers.remove(&msg.conn);
    }
}

/// An encoded channel event for every local watcher.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ChannelFanout {
    pub frame: ByteString,
}

impl Handler<ChannelFanout> for ChannelActor {
    type Result = ();
    fn handle(&mut self, msg: ChannelFanout, _: &mut Context<Self>) {
        let metrics = &self.metrics;
        self.watchers.retain(|_, inbox| inbox.offer(Deliver { frame: msg.frame.clone(), skip_watching: None }, metrics));
    }
}
