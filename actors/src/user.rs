//! UserActor: one per user with connections on this node, or with local connections following its
//! presence. Fans user-topic publications out: to the user's own sessions (custom user events,
//! notification.*), to presence followers (user.presence.changed, user.updated), or both.
//!
//! Started and stopped by the registry; never awaits.

use crate::bus::Route;
use crate::inbox::Inbox;
use crate::metrics::Metrics;
use crate::session::{Control, Deliver};
use crate::ConnId;
use actix::prelude::*;
use bytestring::ByteString;
use std::collections::HashMap;
use std::sync::Arc;

pub struct UserActor {
    sessions: HashMap<ConnId, Inbox>,
    followers: HashMap<ConnId, Inbox>,
    metrics: Arc<Metrics>,
}

impl UserActor {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        UserActor { sessions: HashMap::new(), followers: HashMap::new(), metrics }
    }
}

impl Actor for UserActor {
    type Context = Context<Self>;
}

/// Which of the user's local audiences a connection joins or leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The user's own connection.
    Own,
    /// A connection (of any user) following this user's presence.
    Follower,
}

/// Adds a connection to an audience.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AddAudience {
    pub conn: ConnId,
    pub audience: Audience,
    pub inbox: Inbox,
}

impl Handler<AddAudience> for UserActor {
    type Result = ();
    fn handle(&mut self, msg: AddAudience, _: &mut Context<Self>) {
        match msg.audience {
            Audience::Own => self.sessions.insert(msg.conn, msg.inbox),
            Audience::Follower => self.followers.insert(msg.conn, msg.inbox),
        };
    }
}

/// Removes a connection from an audience.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RemoveAudience {
    pub conn: ConnId,
    pub audience: Audience,
}

impl Handler<RemoveAudience> for UserActor {
    type Result = ();
    fn handle(&mut self, msg: RemoveAudience, _: &mut Context<Self>) {
        match msg.audience {
            Audience::Own => self.sessions.remove(&msg.conn),
            Audience::Follower => self.followers.remove(&msg.conn),
        };
    }
}

/// An encoded user-topic event and who receives it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct UserFanout {
    pub route: Route,
    pub frame: ByteString,
}

impl Handler<UserFanout> for UserActor {
    type Result = ();
    fn handle(&mut self, msg: UserFanout, _: &mut Context<Self>) {
        let metrics = &self.metrics;
        let frame = &msg.frame;
        match msg.route {
            Route::UserConnections { skip_watching } => self
                .sessions
                .retain(|_, inbox| inbox.offer(Deliver { frame: frame.clone(), skip_watching: skip_watching.clone() }, metrics)),
            Route::Presence { own } => {
                if own {
                    self.sessions.retain(|_, inbox| inbox.offer(Deliver { frame: frame.clone(), skip_watching: None }, metrics));
                }
                // A connection that is both the user's own and a follower gets the event once.
                let sessions = &self.sessions;
                self.followers.retain(|conn, inbox| {
                    (own && sessions.contains_key(conn)) || inbox.offer(Deliver { frame: frame.clone(), skip_watching: None }, metrics)
                });
            }
            Route::Disconnect => {
                // followers hear it; the user's own sessions get it, then are closed (one mailbox
                // per session: the frame is written before the close)
                let sessions = &self.sessions;
                self.followers.retain(|conn, inbox| {
                    sessions.contains_key(conn) || inbox.offer(Deliver { frame: frame.clone(), skip_watching: None }, metrics)
                });
                for inbox in self.sessions.values() {
                    inbox.offer(Deliver { frame: frame.clone(), skip_watching: None }, metrics);
                    inbox
                        .control
                        .do_send(Control::Kick { code: herald_proto::close::REJECTED, reason: "the user was deactivated or deleted" });
                }
            }
            Route::Watchers | Route::Node => {} // not user-topic routes
        }
    }
}
