//! Names in Redis: every key and pub/sub topic of one deployment (all under one prefix), and the
//! byte layout of a publication on a topic. Used by the Redis bus and store only.
//!
//! Keys (prefix `p`):
//! - `p:users` hash id → user JSON; `p:types` hash name → channel type JSON;
//!   `p:channels` hash cid → channel JSON; `p:members:{cid}` hash user → member JSON;
//!   `p:memberships:{user}` set of cids.
//! - Watching: `p:watch:{cid}` hash conn → user; `p:wcount:{cid}` hash user → watching
//!   connections; `p:cwatch:{conn}` set of cids the connection watches.
//! - Connections: `p:conns` hash conn → `{"node","user"}`; `p:uconns:{user}` set of conns;
//!   `p:nconns:{node}` set of conns.
//! - Conversation events: `p:cevents:{cid}` sorted set of event JSON scored by id;
//!   `p:cevseq:{cid}` the last id given.
//! - Messages: `p:msgs` hash message id → message JSON (its reactions inside);
//!   `p:msgord:{cid}` sorted set of the channel's message ids scored by arrival;
//!   `p:msgseq:{cid}` the last arrival number given.
//! - Read state: `p:reads:{cid}` hash user → `{last_read, last_read_message_id}` JSON;
//!   `p:unread:{cid}` hash user → unread messages; `p:unreadq` sorted set of users waiting for
//!   an unread-message reminder, scored by their first unread message's time (ms).
//! - Lifecycle: `p:hidden:{cid}` set of users who hid it; `p:uhidden:{user}` set of cids the
//!   user hid; `p:cleared:{cid}` hash user → when they cleared its history;
//!   `p:chmutes:{user}` hash cid → channel mute JSON.
//! - Nodes: `p:nodes` set of node ids; `p:alive:{node}` string that expires unless the node
//!   heartbeats.
//!
//! Topics: `p.ch.{cid}`, `p.user.{id}`, `p.node.{id}`. A publication is `ROUTE\nFRAME`: the
//! route header (`W`, `U`, `U{cid}`, `P`, `PO`, `N`, `D`) then the event bytes exactly as encoded
//! once by the publishing node (JSON never contains a raw newline).

use bytes::Bytes;
use bytestring::ByteString;
use herald_actors::bus::{Route, Topic};
use std::sync::Arc;

/// Key and topic names under one prefix.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Keys {
        Keys { prefix: prefix.to_owned() }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `p:{family}` or `p:{family}:{id}`.
    pub fn key(&self, family: &str, id: &str) -> String {
        if id.is_empty() {
            format!("{}:{family}", self.prefix)
        } else {
            format!("{}:{family}:{id}", self.prefix)
        }
    }

    /// The pub/sub channel of a topic.
    pub fn topic(&self, topic: &Topic) -> String {
        let (kind, id) = match topic {
            Topic::Channel(cid) => ("ch", cid),
            Topic::User(id) => ("user", id),
            Topic::Node(id) => ("node", id),
        };
        format!("{}.{kind}.{id}", self.prefix)
    }

    /// The topic of a pub/sub channel name (None: not one of ours).
    pub fn parse_topic(&self, name: &str) -> Option<Topic> {
        let rest = name.strip_prefix(&self.prefix)?.strip_prefix('.')?;
        let (kind, id) = rest.split_once('.')?;
        let id: Arc<str> = Arc::from(id);
        match kind {
            "ch" => Some(Topic::Channel(id)),
            "user" => Some(Topic::User(id)),
            "node" => Some(Topic::Node(id)),
            _ => None,
        }
    }
}

/// The bytes published for `route` and `frame`.
pub fn encode_publication(route: &Route, frame: &str) -> Vec<u8> {
    let header = match route {
        Route::Watchers => "W".to_owned(),
        Route::UserConnections { skip_watching: None } => "U".to_owned(),
        Route::UserConnections { skip_watching: Some(cid) } => format!("U{cid}"),
        Route::Presence { own: false } => "P".to_owned(),
        Route::Presence { own: true } => "PO".to_owned(),
        Route::Node => "N".to_owned(),
        Route::Disconnect => "D".to_owned(),
    };
    let mut out = Vec::with_capacity(header.len() + 1 + frame.len());
    out.extend_from_slice(header.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(frame.as_bytes());
    out
}

/// The route and frame of a published payload; the frame shares `payload`'s buffer.
pub fn decode_publication(payload: Bytes) -> Option<(Route, ByteString)> {
    let newline = payload.iter().position(|&b| b == b'\n')?;
    let header = std::str::from_utf8(&payload[..newline]).ok()?;
    let route = match header {
        "W" => Route::Watchers,
        "U" => Route::UserConnections { skip_watching: None },
        "P" => Route::Presence { own: false },
        "PO" => Route::Presence { own: true },
        "N" => Route::Node,
        "D" => Route::Disconnect,
        h => Route::UserConnections { skip_watching: Some(Arc::from(h.strip_prefix('U')?)) },
    };
    let frame = ByteString::try_from(payload.slice(newline + 1..)).ok()?;
    Some((route, frame))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip() {
        let keys = Keys::new("hx");
        for topic in [Topic::channel("messaging:a.b"), Topic::user("u.1"), Topic::node("n-1")] {
            assert_eq!(keys.parse_topic(&keys.topic(&topic)), Some(topic));
        }
        assert_eq!(keys.parse_topic("other.ch.x"), None);
        assert_eq!(keys.parse_topic("hx.zz.x"), None);
        assert_eq!(keys.key("conns", ""), "hx:conns");
        assert_eq!(keys.key("watch", "messaging:a"), "hx:watch:messaging:a");
    }

    #[test]
    fn publications_round_trip() {
        let routes = [
            Route::Watchers,
            Route::UserConnections { skip_watching: None },
            Route::UserConnections { skip_watching: Some(Arc::from("messaging:x")) },
            Route::Presence { own: false },
            Route::Presence { own: true },
            Route::Node,
            Route::Disconnect,
        ];
        for route in routes {
            let bytes = encode_publication(&route, r#"{"type":"x","text":"a\nb"}"#);
            let (back, frame) = decode_publication(Bytes::from(bytes)).unwrap();
            assert_eq!(back, route);
            assert_eq!(&*frame, r#"{"type":"x","text":"a\nb"}"#);
        }
        assert!(decode_publication(Bytes::from_static(b"no header")).is_none());
        assert!(decode_publication(Bytes::from_static(b"W\n\xff")).is_none());
    }
}
