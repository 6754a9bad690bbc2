//! Connections, watching and presence: what happens when a socket opens or closes, when a
//! connection starts or stops watching a channel, and when it asks for presence.
//!
//! Watchers are counted as distinct users over every connection (Store); `user.watching.start`
//! goes out on a user's first watching connection and `.stop` on the last, with `watcher_count`.
//! Presence: `user.presence.changed` online on a user's first connection, offline on the last,
//! to connections that follow the user (watch/query with `presence: true`).

use super::channels::Loaded;
use super::views::{bare_event, channel_event, me_json, user_json};
use super::{Chat, ChatResult};
use crate::bus::{Route, Topic};
use crate::clock;
use crate::inbox::Inbox;
use crate::registry::{Follow, Register, Unregister, Unwatch, Watch};
use crate::ConnId;
use herald_proto::channel::parse_cid;
use herald_proto::user::User;
use herald_proto::JsonMap;
use serde_json::{json, Value};
use std::sync::Arc;

impl Chat {
    /// The first frame of a connection: `health.check` with `connection_id` and a complete `me`.
    pub fn handshake_frame(conn: &str, me: &User) -> String {
        let mut me = me.clone();
        me.online = true;
        json!({"type": "health.check", "connection_id": conn, "cid": "*", "created_at": clock::now(), "me": me_json(&me)}).to_string()
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

    /// Forgets a closed connection: its watches (user.watching.stop where it was the user's last)
    /// and, if it was the user's last connection, presence offline.
    pub async fn close_connection(&self, conn: ConnId) {
        let departed = match self.registry().send(Unregister { conn: conn.clone() }).await {
            Ok(Some(d)) => d,
            Ok(None) => return,
            Err(e) => return tracing::error!(error = %e, "registry unreachable while closing a connection"),
        };
        for cid in &departed.watching {
            if let Err(e) = self.unwatched(cid, &departed.user, &conn).await {
                tracing::warn!(%cid, error = %e, "could not record the end of a watch");
            }
        }
        let result = async {
            if self.store().remove_connection(&departed.user, &conn).await? {
                self.set_presence(&departed.user, false).await?;
            }
            ChatResult::Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(user = %departed.user, error = %e, "could not record a disconnect");
        }
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
        let watch = Watch { conn: Arc::from(conn), cid: Arc::from(cid), user: owner };
        let Some(user) = self.registry().send(watch).await?? else { return Ok(()) }; // already watching
        let change = self.store().add_watcher(cid, &user, conn).await?;
        if change.user_edge && loaded.config.connect_events {
            let event = self.watching_event("user.watching.start", cid, &user, change.watcher_count).await?;
            self.publish_to_channel(cid, &event).await?;
        }
        Ok(())
    }

    /// `POST /channels/{type}/{id}/stop-watching`.
    pub async fn stop_watching(&self, conn: Option<&str>, owner: Option<&str>, cid: &str) -> ChatResult<()> {
        self.load_channel(cid).await?;
        let conn = conn.ok_or_else(|| super::ChatError::input("stop-watching needs the connection_id of a websocket connection"))?;
        let res = self.registry().send(Unwatch { conn: Arc::from(conn), cid: Arc::from(cid), user: owner.map(Arc::from) }).await??;
        if let Some(user) = res {
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
        let users: Vec<Arc<str>> = self.store().get_members(cid).await?.into_iter().take(limit).map(|m| Arc::from(m.user_id)).collect();
        self.registry().send(Follow { conn: Arc::from(conn), users, user: owner }).await??;
        Ok(())
    }
}
