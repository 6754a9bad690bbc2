//! Connections, watching and presence: what happens when a socket opens or closes, when a
//! connection starts or stops watching a channel, and when it asks for presence.
//!
//! Watchers are counted as distinct users over every connection (Store); `user.watching.start`
//! goes out on a user's first watching connection and `.stop` on the last, with `watcher_count`.
//! Presence: `user.presence.changed` online on a user's first connection, offline on the last,
//! to connections that follow the user (watch/query with `presence: true`).
//! Commands for a connection run on the node that holds it ([`crate::link`]); the end of a
//! connection is published the same way whether it closed here or its node died.

use super::channels::Loaded;
use super::views::{bare_event, channel_event, me_json_with, user_json};
use super::{Chat, ChatResult};
use crate::bus::{Route, Topic};
use crate::clock;
use crate::inbox::Inbox;
use crate::link::ConnCommand;
use crate::registry::{Register, RegistryError, Unregister};
use crate::ConnId;
use herald_proto::channel::parse_cid;
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde_json::{json, Value};
use std::sync::Arc;

impl Chat {
    /// The first frame of a connection: `health.check` with `connection_id` and a complete `me`.
    pub fn handshake_frame(conn: &str, me: &User) -> String {
        Self::handshake_frame_with(conn, me, &JsonMap::new())
    }

    /// The handshake with the user's own numbers in `me` (see [`Chat::me_fields`]).
    pub fn handshake_frame_with(conn: &str, me: &User, own: &JsonMap) -> String {
        let mut me = me.clone();
        me.online = true;
        let me = me_json_with(&me, own);
        json!({"type": "health.check", "connection_id": conn, "cid": "*", "created_at": clock::now(), "me": me}).to_string()
    }

    /// A heartbeat `health.check` (no `me`).
    pub fn health_check_frame(conn: &str) -> String {
        json!({"type": "health.check", "connection_id": conn, "cid": "*", "created_at": clock::now()}).to_string()
    }

    /// Registers a new local connection; on the user's first connection anywhere, marks the user
    /// online and publishes presence.
    pub async fn open_connection(&self, conn: ConnId, user: Arc<str>, inbox: Inbox) -> ChatResult<()> {
        self.registry().send(Register { conn: conn.clone(), user: user.clone(), inbox }).await??;
        if self.store().add_connection(&user, &conn).await? {
            self.set_presence(&user, true).await?;
        }
        Ok(())
    }

    /// Forgets a closed local connection: its watches (user.watching.stop where it was the
    /// user's last) and, if it was the user's last connection, presence offline.
    pub async fn close_connection(&self, conn: ConnId) {
        match self.registry().send(Unregister { conn: conn.clone() }).await {
            Ok(Some(departed)) => self.forget_connection(&conn, &departed.user, &departed.watching).await,
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "registry unreachable while closing a connection"),
        }
    }

    /// Removes a connection from the Store and publishes what its end means to others. Used for
    /// local closes and for the connections of a node that died (cluster liveness).
    pub async fn forget_connection(&self, conn: &str, user: &str, watching: &[impl AsRef<str>]) {
        for cid in watching {
            if let Err(e) = self.unwatched(cid.as_ref(), user, conn).await {
                // keep the connection's record: the next reconciliation finds it and ends
                // its watches and presence then
                self.mark_unrecorded();
                return tracing::warn!(cid = cid.as_ref(), error = %e, "could not record the end of a watch");
            }
        }
        let result = async {
            if self.store().remove_connection(user, conn).await? {
                self.set_presence(user, false).await?;
            }
            ChatResult::Ok(())
        }
        .await;
        if let Err(e) = result {
            self.mark_unrecorded();
            tracing::warn!(%user, error = %e, "could not record a disconnect");
        }
    }

    /// Records a live local connection again (after the Store lost it: Redis data loss, or this
    /// node was taken for dead), publishing presence and watching.start where they are new.
    pub async fn reassert_connection(&self, conn: &str, user: &str, watching: &[impl AsRef<str>]) -> ChatResult<()> {
        if self.store().add_connection(user, conn).await? {
            self.set_presence(user, true).await?;
        }
        for cid in watching {
            let Ok(loaded) = self.load_channel(cid.as_ref()).await else { continue }; // deleted meanwhile
            self.watched(conn, user, &loaded).await?;
        }
        Ok(())
    }

    async fn set_presence(&self, user_id: &str, online: bool) -> ChatResult<()> {
        let now = clock::now();
        let user = self
            .store()
            .update_user(user_id, &|current| {
                let mut u = current?.clone();
                u.online = online;
                u.last_active = Some(now.clone());
                Some(u)
            })
            .await?;
        let Some(user) = user else { return Ok(()) };
        if user.invisible {
            return Ok(());
        }
        let mut event = bare_event("user.presence.changed");
        event.insert("user".into(), user_json(&user));
        self.publish(Topic::user(user_id), Route::Presence { own: false }, &event).await
    }

    /// Starts watching `loaded` on connection `conn` (owned by `owner`, or any user for server
    /// calls); publishes user.watching.start on the user's first watching connection.
    pub(crate) async fn watch(&self, conn: &str, owner: Option<Arc<str>>, loaded: &Loaded) -> ChatResult<()> {
        let cid = loaded.channel.cid.as_str();
        let watch = ConnCommand::Watch { conn: conn.to_owned(), cid: cid.to_owned(), user: owner.map(|o| o.to_string()) };
        let Some(user) = self.on_connection(watch).await? else { return Ok(()) }; // already watching
        self.watched(conn, &user, loaded).await.inspect_err(|_| self.mark_unrecorded())
        // watching here, not in the Store
    }

    /// Records that `conn` watches; user.watching.start on the user's first watching connection.
    async fn watched(&self, conn: &str, user: &str, loaded: &Loaded) -> ChatResult<()> {
        let cid = loaded.channel.cid.as_str();
        let change = self.store().add_watcher(cid, user, conn).await?;
        if change.user_edge && loaded.config.connect_events {
            let event = self.watching_event("user.watching.start", cid, user, change.watcher_count).await?;
            self.publish_to_channel(cid, &event).await?;
        }
        Ok(())
    }

    /// Runs a command for a connection where it lives: this node's registry, or the node the
    /// Store records for it (a REST call may land on any node of a cluster).
    async fn on_connection(&self, command: ConnCommand) -> ChatResult<Option<Arc<str>>> {
        match command.run_local(self.registry()).await {
            Err(RegistryError::UnknownConnection(_)) => match self.store().connection_node(command.conn()).await? {
                Some(node) if node != self.link().node() => Ok(self.link().call(&node, command).await?),
                _ => Err(RegistryError::UnknownConnection(command.conn().to_owned()).into()),
            },
            other => Ok(other?),
        }
    }

    /// `POST /channels/{type}/{id}/stop-watching`.
    pub async fn stop_watching(&self, conn: Option<&str>, owner: Option<&str>, cid: &str) -> ChatResult<()> {
        self.load_channel(cid).await?;
        let conn = conn.ok_or_else(|| super::ChatError::input("stop-watching needs the connection_id of a websocket connection"))?;
        let unwatch = ConnCommand::Unwatch { conn: conn.to_owned(), cid: cid.to_owned(), user: owner.map(str::to_owned) };
        if let Some(user) = self.on_connection(unwatch).await? {
            self.unwatched(cid, &user, conn).await?;
        }
        Ok(())
    }

    async fn unwatched(&self, cid: &str, user: &str, conn: &str) -> ChatResult<()> {
        let change = self.store().remove_watcher(cid, user, conn).await?;
        if !change.user_edge {
            return Ok(());
        }
        let Some((kind, _)) = parse_cid(cid) else { return Ok(()) };
        let connect_events = self.store().get_channel_type(kind).await?.is_some_and(|t| t.connect_events);
        if connect_events && self.store().get_channel(cid).await?.is_some() {
            let event = self.watching_event("user.watching.stop", cid, user, change.watcher_count).await?;
            self.publish_to_channel(cid, &event).await?;
        }
        Ok(())
    }

    async fn watching_event(&self, kind: &str, cid: &str, user_id: &str, watcher_count: usize) -> ChatResult<JsonMap> {
        let channel = self.store().get_channel(cid).await?;
        let mut event = match &channel {
            Some(ch) => channel_event(kind, ch),
            None => bare_event(kind),
        };
        let user = self.store().get_user(user_id).await?;
        event.insert("user".into(), user.as_ref().map(user_json).unwrap_or_else(|| json!({"id": user_id})));
        event.insert("watcher_count".into(), Value::from(watcher_count));
        Ok(event)
    }

    /// Follows the presence of a channel's members (at most `max_presence_follows`) on `conn`.
    pub(crate) async fn follow_members(&self, conn: &str, owner: Option<Arc<str>>, cid: &str) -> ChatResult<()> {
        let limit = self.limits().max_presence_follows;
        let users = self.store().get_members(cid).await?.into_iter().take(limit).map(|m| m.user_id).collect();
        self.on_connection(ConnCommand::Follow { conn: conn.to_owned(), users, user: owner.map(|o| o.to_string()) }).await?;
        Ok(())
    }
}
