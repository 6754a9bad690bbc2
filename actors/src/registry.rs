//! RegistryActor: one per node. It owns the table of local connections and the local channel and
//! user actors, and it is the only place that talks to the bus about subscriptions.
//!
//! - Sessions `Register`/`Unregister` themselves; REST watch/unwatch and presence follows arrive
//!   as `Watch`/`Unwatch`/`Follow` (from [`crate::chat::Chat`]).
//! - The first local interest in a topic starts its actor and subscribes the node (the reply waits
//!   for the bus, so an event published after a successful watch is never missed); the last one
//!   stops the actor and unsubscribes. Both run atomically in this actor, in order.
//! - Every bus publication arrives here as a stream item and is routed to its topic's actor;
//!   this node's own topic (requests from other nodes) goes to the [`NodeLink`].

use crate::bus::{Bus, BusError, Publication, Topic};
use crate::channel::{ChannelActor, ChannelFanout, Join, Leave};
use crate::inbox::Inbox;
use crate::link::NodeLink;
use crate::metrics::Metrics;
use crate::session::Control;
use crate::user::{AddAudience, Audience, RemoveAudience, UserActor, UserFanout};
use crate::ConnId;
use actix::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::mpsc;

/// A local actor and how many local interests keep it alive.
struct Local<A: Actor> {
    addr: Addr<A>,
    refs: usize,
}

struct ConnEntry {
    user: Arc<str>,
    inbox: Inbox,
    watching: HashSet<Arc<str>>,
    following: HashSet<Arc<str>>,
}

pub struct RegistryActor {
    bus: Arc<dyn Bus>,
    link: Arc<NodeLink>,
    metrics: Arc<Metrics>,
    inbound: Option<mpsc::Receiver<Publication>>,
    conns: HashMap<ConnId, ConnEntry>,
    channels: HashMap<Arc<str>, Local<ChannelActor>>,
    users: HashMap<Arc<str>, Local<UserActor>>,
}

/// Why the registry refused.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("connection_id {0:?} is not an open connection on this node")]
    UnknownConnection(String),
    #[error("connection_id {0:?} belongs to another user")]
    WrongUser(String),
    #[error(transparent)]
    Bus(#[from] BusError),
}

impl RegistryActor {
    /// Starts the registry reading publications from `inbound` (the bus's receiver).
    pub fn start(
        bus: Arc<dyn Bus>,
        link: Arc<NodeLink>,
        inbound: mpsc::Receiver<Publication>,
        metrics: Arc<Metrics>,
    ) -> Addr<RegistryActor> {
        let (conns, channels, users) = (HashMap::new(), HashMap::new(), HashMap::new());
        RegistryActor { bus, link, metrics, inbound: Some(inbound), conns, channels, users }.start()
    }

    /// Takes a reference on the channel actor; true when the topic is new (subscribe needed).
    fn retain_channel(&mut self, cid: &Arc<str>) -> bool {
        let metrics = self.metrics.clone();
        retain(&mut self.channels, cid, || ChannelActor::new(metrics).start())
    }

    /// Drops a reference; true when it was the last (unsubscribe needed).
    fn release_channel(&mut self, cid: &Arc<str>) -> bool {
        release(&mut self.channels, cid)
    }

    fn retain_user(&mut self, user: &Arc<str>) -> bool {
        let metrics = self.metrics.clone();
        retain(&mut self.users, user, || UserActor::new(metrics).start())
    }

    fn release_user(&mut self, user: &Arc<str>) -> bool {
        release(&mut self.users, user)
    }

    /// Subscribes the node to `topic` when `new`, rolling back `rollback` on failure; the reply
    /// waits, and nothing else runs in the registry meanwhile.
    fn subscribe_then<T: 'static>(
        &self,
        new: bool,
        topic: Topic,
        ok: T,
        rollback: impl FnOnce(&mut Self) + 'static,
    ) -> AtomicResponse<Self, Result<T, RegistryError>> {
        let bus = self.bus.clone();
        AtomicResponse::new(Box::pin(
            async move {
                if new {
                    bus.subscribe(&topic).await?;
                }
                Ok(())
            }
            .into_actor(self)
            .map(move |res: Result<(), BusError>, act, _| match res {
                Ok(()) => Ok(ok),
                Err(e) => {
                    rollback(act);
                    Err(RegistryError::Bus(e))
                }
            }),
        ))
    }

    /// Unsubscribes the node from `topic`, holding the registry until the bus answers so a later
    /// subscribe cannot overtake it.
    fn unsubscribe(&self, topic: Topic, ctx: &mut Context<Self>) {
        let bus = self.bus.clone();
        ctx.wait(
            async move {
                if let Err(e) = bus.unsubscribe(&topic).await {
                    tracing::warn!(?topic, error = %e, "unsubscribe failed");
                }
            }
            .into_actor(self),
        );
    }

    fn leave_channel(&mut self, conn: &ConnId, cid: &Arc<str>, ctx: &mut Context<Self>) {
        if let Some(local) = self.channels.get(cid) {
            local.addr.do_send(Leave { conn: conn.clone() });
        }
        if self.release_channel(cid) {
            self.unsubscribe(Topic::Channel(cid.clone()), ctx);
        }
    }

    fn leave_user(&mut self, conn: &ConnId, user: &Arc<str>, audience: Audience, ctx: &mut Context<Self>) {
        if let Some(local) = self.users.get(user) {
            local.addr.do_send(RemoveAudience { conn: conn.clone(), audience });
        }
        if self.release_user(user) {
            self.unsubscribe(Topic::User(user.clone()), ctx);
        }
    }
}

/// Takes a reference on the actor for `key`, starting it if needed; true when it was started.
fn retain<A: Actor>(map: &mut HashMap<Arc<str>, Local<A>>, key: &Arc<str>, start: impl FnOnce() -> Addr<A>) -> bool {
    if let Some(local) = map.get_mut(key) {
        local.refs += 1;
        return false;
    }
    map.insert(key.clone(), Local { addr: start(), refs: 1 });
    true
}

/// Drops a reference; true when it was the last (the actor stops once its mailbox is drained).
fn release<A: Actor>(map: &mut HashMap<Arc<str>, Local<A>>, key: &Arc<str>) -> bool {
    let Some(local) = map.get_mut(key) else { return false };
    local.refs -= 1;
    if local.refs == 0 {
        map.remove(key); // dropping the last Addr stops the actor once its mailbox is drained
        return true;
    }
    false
}

impl Actor for RegistryActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if let Some(rx) = self.inbound.take() {
            ctx.add_stream(futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|p| (p, rx)) }));
        }
    }
}

impl StreamHandler<Publication> for RegistryActor {
    fn handle(&mut self, p: Publication, ctx: &mut Context<Self>) {
        match (&p.topic, p.route) {
            (Topic::Channel(cid), _) => {
                if let Some(local) = self.channels.get(cid) {
                    Metrics::incr(&self.metrics.publications_routed);
                    local.addr.do_send(ChannelFanout { frame: p.frame });
                }
            }
            (Topic::User(user), route) => {
                if let Some(local) = self.users.get(user) {
                    Metrics::incr(&self.metrics.publications_routed);
                    local.addr.do_send(UserFanout { route, frame: p.frame });
                }
            }
            (Topic::Node(_), _) => self.link.on_frame(&p.frame, ctx.address()),
        }
    }

    fn finished(&mut self, _: &mut Context<Self>) {
        tracing::error!("the bus receiver closed; this node no longer receives publications");
    }
}

/// A session opened on this node.
#[derive(Message)]
#[rtype(result = "Result<(), RegistryError>")]
pub struct Register {
    pub conn: ConnId,
    pub user: Arc<str>,
    pub inbox: Inbox,
}

impl Handler<Register> for RegistryActor {
    type Result = AtomicResponse<Self, Result<(), RegistryError>>;
    fn handle(&mut self, msg: Register, _: &mut Context<Self>) -> Self::Result {
        let new = self.retain_user(&msg.user);
        if let Some(local) = self.users.get(&msg.user) {
            local.addr.do_send(AddAudience { conn: msg.conn.clone(), audience: Audience::Own, inbox: msg.inbox.clone() });
        }
        let entry = ConnEntry { user: msg.user.clone(), inbox: msg.inbox, watching: HashSet::new(), following: HashSet::new() };
        self.conns.insert(msg.conn.clone(), entry);
        let (conn, user) = (msg.conn, msg.user.clone());
        self.subscribe_then(new, Topic::User(msg.user), (), move |act: &mut Self| {
            act.conns.remove(&conn);
            act.release_user(&user);
        })
    }
}

/// What a closed connection leaves behind: its user and the channels it watched.
#[derive(Debug)]
pub struct Departed {
    pub user: Arc<str>,
    pub watching: Vec<Arc<str>>,
}

/// A session closed; forget it everywhere on this node.
#[derive(Message)]
#[rtype(result = "Option<Departed>")]
pub struct Unregister {
    pub conn: ConnId,
}

impl Handler<Unregister> for RegistryActor {
    type Result = Option<Departed>;
    fn handle(&mut self, msg: Unregister, ctx: &mut Context<Self>) -> Option<Departed> {
        let entry = self.conns.remove(&msg.conn)?;
        for cid in &entry.watching {
            self.leave_channel(&msg.conn, cid, ctx);
        }
        for followed in &entry.following {
            self.leave_user(&msg.conn, followed, Audience::Follower, ctx);
        }
        self.leave_user(&msg.conn, &entry.user, Audience::Own, ctx);
        Some(Departed { user: entry.user, watching: entry.watching.into_iter().collect() })
    }
}

/// A connection starts watching a channel. `user` must own the connection (None: any user,
/// for server-side calls). Replies the connection's user if it was not watching before.
#[derive(Message)]
#[rtype(result = "Result<Option<Arc<str>>, RegistryError>")]
pub struct Watch {
    pub conn: ConnId,
    pub cid: Arc<str>,
    pub user: Option<Arc<str>>,
}

impl RegistryActor {
    fn owned_entry(&mut self, conn: &ConnId, user: &Option<Arc<str>>) -> Result<&mut ConnEntry, RegistryError> {
        let entry = self.conns.get_mut(conn).ok_or_else(|| RegistryError::UnknownConnection(conn.to_string()))?;
        match user {
            Some(u) if *u != entry.user => Err(RegistryError::WrongUser(conn.to_string())),
            _ => Ok(entry),
        }
    }
}

impl Handler<Watch> for RegistryActor {
    type Result = AtomicResponse<Self, Result<Option<Arc<str>>, RegistryError>>;
    fn handle(&mut self, msg: Watch, _: &mut Context<Self>) -> Self::Result {
        let entry = match self.owned_entry(&msg.conn, &msg.user) {
            Ok(entry) => entry,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(e)))),
        };
        if !entry.watching.insert(msg.cid.clone()) {
            return AtomicResponse::new(Box::pin(fut::ready(Ok(None))));
        }
        let (inbox, user) = (entry.inbox.clone(), entry.user.clone());
        inbox.control.do_send(Control::Watching { cid: msg.cid.clone(), on: true });
        let new = self.retain_channel(&msg.cid);
        if let Some(local) = self.channels.get(&msg.cid) {
            local.addr.do_send(Join { conn: msg.conn.clone(), inbox });
        }
        let (conn, cid) = (msg.conn, msg.cid.clone());
        self.subscribe_then(new, Topic::Channel(msg.cid), Some(user), move |act: &mut Self| {
            if let Some(entry) = act.conns.get_mut(&conn) {
                entry.watching.remove(&cid);
                entry.inbox.control.do_send(Control::Watching { cid: cid.clone(), on: false });
            }
            if let Some(local) = act.channels.get(&cid) {
                local.addr.do_send(Leave { conn: conn.clone() });
            }
            act.release_channel(&cid);
        })
    }
}

/// A connection stops watching a channel. Replies the connection's user if it was watching.
#[derive(Message)]
#[rtype(result = "Result<Option<Arc<str>>, RegistryError>")]
pub struct Unwatch {
    pub conn: ConnId,
    pub cid: Arc<str>,
    pub user: Option<Arc<str>>,
}

impl Handler<Unwatch> for RegistryActor {
    type Result = Result<Option<Arc<str>>, RegistryError>;
    fn handle(&mut self, msg: Unwatch, ctx: &mut Context<Self>) -> Self::Result {
        let entry = self.owned_entry(&msg.conn, &msg.user)?;
        if !entry.watching.remove(&msg.cid) {
            return Ok(None);
        }
        entry.inbox.control.do_send(Control::Watching { cid: msg.cid.clone(), on: false });
        let user = entry.user.clone();
        self.leave_channel(&msg.conn, &msg.cid, ctx);
        Ok(Some(user))
    }
}

/// A connection follows the presence (and updates) of these users.
#[derive(Message)]
#[rtype(result = "Result<(), RegistryError>")]
pub struct Follow {
    pub conn: ConnId,
    pub users: Vec<Arc<str>>,
    pub user: Option<Arc<str>>,
}

impl Handler<Follow> for RegistryActor {
    type Result = AtomicResponse<Self, Result<(), RegistryError>>;
    fn handle(&mut self, msg: Follow, _: &mut Context<Self>) -> Self::Result {
        let entry = match self.owned_entry(&msg.conn, &msg.user) {
            Ok(entry) => entry,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(e)))),
        };
        let inbox = entry.inbox.clone();
        let fresh: Vec<Arc<str>> = msg.users.into_iter().filter(|u| entry.following.insert(u.clone())).collect();
        let mut new_topics = Vec::new();
        for user in &fresh {
            if self.retain_user(user) {
                new_topics.push(Topic::User(user.clone()));
            }
            if let Some(local) = self.users.get(user) {
                local.addr.do_send(AddAudience { conn: msg.conn.clone(), audience: Audience::Follower, inbox: inbox.clone() });
            }
        }
        let bus = self.bus.clone();
        let conn = msg.conn;
        AtomicResponse::new(Box::pin(
            async move {
                for topic in &new_topics {
                    bus.subscribe(topic).await?;
                }
                Ok(())
            }
            .into_actor(self)
            .map(move |res: Result<(), BusError>, act, ctx| {
                res.map_err(|e| {
                    for user in &fresh {
                        if let Some(entry) = act.conns.get_mut(&conn) {
                            entry.following.remove(user);
                        }
                        act.leave_user(&conn, user, Audience::Follower, ctx);
                    }
                    RegistryError::Bus(e)
                })
            }),
        ))
    }
}

/// Closes every local session with `code` (shutdown). Replies how many were told.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CloseAll {
    pub code: u16,
    pub reason: &'static str,
}

impl Handler<CloseAll> for RegistryActor {
    type Result = usize;
    fn handle(&mut self, msg: CloseAll, _: &mut Context<Self>) -> usize {
        for entry in self.conns.values() {
            entry.inbox.control.do_send(Control::Kick { code: msg.code, reason: msg.reason });
        }
        self.conns.len()
    }
}

/// One local connection as the registry knows it: its user and the channels it watches.
#[derive(Debug, Clone)]
pub struct LocalConnection {
    pub conn: ConnId,
    pub user: Arc<str>,
    pub watching: Vec<Arc<str>>,
}

/// Every local connection (to record them again in a store that lost them).
#[derive(Message)]
#[rtype(result = "Vec<LocalConnection>")]
pub struct Snapshot;

impl Handler<Snapshot> for RegistryActor {
    type Result = MessageResult<Snapshot>;
    fn handle(&mut self, _: Snapshot, _: &mut Context<Self>) -> Self::Result {
        let conns = self.conns.iter().map(|(conn, e)| LocalConnection {
            conn: conn.clone(),
            user: e.user.clone(),
            watching: e.watching.iter().cloned().collect(),
        });
        MessageResult(conns.collect())
    }
}

/// Local table sizes, for metrics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalCounts {
    pub connections: usize,
    pub channel_actors: usize,
    pub user_actors: usize,
}

#[derive(Message)]
#[rtype(result = "LocalCounts")]
pub struct GetLocalCounts;

impl Handler<GetLocalCounts> for RegistryActor {
    type Result = MessageResult<GetLocalCounts>;
    fn handle(&mut self, _: GetLocalCounts, _: &mut Context<Self>) -> Self::Result {
        MessageResult(LocalCounts { connections: self.conns.len(), channel_actors: self.channels.len(), user_actors: self.users.len() })
    }
}
