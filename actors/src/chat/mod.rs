//! Chat: herald's domain logic, shared by the REST handlers and the sessions.
//!
//! Every operation validates, checks permissions against the Store (the source of truth in
//! every mode), writes the Store, then publishes its events through the Bus — encoded once.
//! It holds no per-connection state: that is the registry's and the sessions'. Files:
//! - [`views`]: JSON shapes of users, members, channels, channel state and events,
//! - [`access`]: who may read, moderate, and which capabilities a user has,
//! - [`message_views`]: JSON shapes of messages and reactions,
//! - [`users`], [`channel_types`], [`channels`], [`members`], [`events`], [`connections`],
//!   [`conversations`], [`messages`], [`reactions`], [`reads`], [`lifecycle`], [`member_updates`],
//!   [`unread_reminders`]: one family of operations each;
//! - [`bans`], [`mutes`], [`flags`], [`reminders`], [`exports`], [`user_lifecycle`] (deactivate, reactivate, delete): moderation, with
//!   the helpers they share in [`moderation`].

pub mod access;
pub mod bans;
pub mod blocks;
pub mod channel_types;
pub mod channels;
pub mod connections;
pub mod conversations;
pub mod events;
pub mod exports;
pub mod flags;
pub mod lifecycle;
pub mod member_updates;
pub mod members;
pub mod message_views;
pub mod messages;
pub mod moderation;
pub mod mutes;
pub mod reactions;
pub mod reads;
pub mod reminders;
pub mod tap;
pub mod unread_reminders;
pub mod user_lifecycle;
pub mod users;
pub mod views;

use crate::bus::{Bus, BusError, Publication, Route, Topic};
use crate::link::NodeLink;
use crate::metrics::Metrics;
use crate::registry::{RegistryActor, RegistryError};
use crate::store::{Store, StoreError};
use actix::prelude::*;
use herald_proto::error::{ApiErrorBody, ErrorCode};
use herald_proto::JsonMap;
use std::sync::Arc;

/// Who is calling: a backend with a server token, or a user with a user token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Server,
    User(String),
}

impl Caller {
    pub fn is_server(&self) -> bool {
        matches!(self, Caller::Server)
    }
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Caller::Server => None,
            Caller::User(id) => Some(id),
        }
    }
}

/// A refusal or failure, carrying the Stream code the client sees.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatError {
    pub code: ErrorCode,
    pub message: String,
}

impl ChatError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ChatError { code, message: message.into() }
    }
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InputError, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::DoesNotExist, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotAllowed, message)
    }
    /// 400 (code 19): the channel type has `flag` switched off.
    pub fn feature_off(kind: &str, flag: &str) -> Self {
        Self::new(ErrorCode::ChannelFeatureNotSupported, format!("{flag} are disabled for channel type {kind:?}"))
    }
    /// 403 (code 17): the channel is frozen and the caller is not one of its moderators.
    pub fn frozen(cid: &str, what: &str) -> Self {
        Self::forbidden(format!("channel {cid} is frozen: only moderators may {what}"))
    }
    pub fn server_only(what: &str) -> Self {
        Self::forbidden(format!("{what} is only available with server-side authentication"))
    }
    pub fn body(&self) -> ApiErrorBody {
        ApiErrorBody::new(self.code, self.message.clone())
    }
}

impl std::fmt::Display for ChatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {})", self.message, self.code.number())
    }
}

impl From<StoreError> for ChatError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failure");
        match e {
            StoreError::Unavailable(_) => ChatError::new(ErrorCode::Unavailable, "the store is unavailable, try again"),
            StoreError::Corrupt(_) => ChatError::new(ErrorCode::Internal, "internal error"),
        }
    }
}

impl From<BusError> for ChatError {
    fn from(e: BusError) -> Self {
        tracing::error!(error = %e, "bus failure");
        ChatError::new(ErrorCode::Unavailable, "the event bus is unavailable, try again")
    }
}

impl From<RegistryError> for ChatError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::UnknownConnection(_) => ChatError::input(
                "Watch or Presence requires an active websocket connection, please make sure to include your websocket connection_id",
            ),
            RegistryError::WrongUser(_) => ChatError::forbidden(e.to_string()),
            RegistryError::Bus(b) => b.into(),
        }
    }
}

impl From<MailboxError> for ChatError {
    fn from(e: MailboxError) -> Self {
        tracing::error!(error = %e, "registry mailbox failure");
        ChatError::new(ErrorCode::Internal, "internal error")
    }
}

pub type ChatResult<T> = Result<T, ChatError>;

/// Limits the domain enforces (from configuration).
#[derive(Debug, Clone)]
pub struct ChatLimits {
    /// Largest custom event payload in bytes (as JSON).
    pub max_event_bytes: usize,
    /// Most users one connection follows for presence from one channel query.
    pub max_presence_follows: usize,
    /// Newest events kept per conversation (Vonage-style event lists).
    pub max_conversation_events: usize,
    /// Newest messages kept per channel.
    pub max_channel_messages: usize,
}

struct Inner {
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    registry: Addr<RegistryActor>,
    link: Arc<NodeLink>,
    metrics: Arc<Metrics>,
    limits: ChatLimits,
    /// Set when recording a connection or watch in the Store failed (see [`Chat::take_unrecorded`]).
    unrecorded: std::sync::atomic::AtomicBool,
    /// Sees every published event once (webhooks); set once at start.
    tap: std::sync::OnceLock<Arc<dyn tap::EventTap>>,
}

/// The record family of tasks (`GET /tasks/{id}`).
const TASKS: &str = "tasks";

/// The domain service; cheap to clone.
#[derive(Clone)]
pub struct Chat(Arc<Inner>);

impl Chat {
    pub fn new(
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        registry: Addr<RegistryActor>,
        link: Arc<NodeLink>,
        metrics: Arc<Metrics>,
        limits: ChatLimits,
    ) -> Chat {
        let unrecorded = Default::default();
        let tap = std::sync::OnceLock::new();
        Chat(Arc::new(Inner { store, bus, registry, link, metrics, limits, unrecorded, tap }))
    }

    pub fn store(&self) -> &dyn Store {
        &*self.0.store
    }
    pub fn bus(&self) -> &dyn Bus {
        &*self.0.bus
    }
    pub fn link(&self) -> &NodeLink {
        &self.0.link
    }
    pub fn registry(&self) -> &Addr<RegistryActor> {
        &self.0.registry
    }
    pub fn metrics(&self) -> Arc<Metrics> {
        self.0.metrics.clone()
    }
    pub fn limits(&self) -> &ChatLimits {
        &self.0.limits
    }

    /// Notes that the Store missed a connection change (it failed mid-outage), so the node's
    /// connections must be reconciled with the Store once it is back (cluster liveness does).
    pub(crate) fn mark_unrecorded(&self) {
        Metrics::incr(&self.0.metrics.connection_changes_unrecorded);
        self.0.unrecorded.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether a connection change was missed since the last call (and clears it).
    pub fn take_unrecorded(&self) -> bool {
        self.0.unrecorded.swap(false, std::sync::atomic::Ordering::Relaxed)
    }

    /// Remembers a task (`{status, result…}`) in the Store, so `GET /tasks/{id}` answers on any
    /// node; returns its id.
    pub async fn record_task(&self, task: serde_json::Value) -> ChatResult<String> {
        let id = uuid::Uuid::new_v4().to_string();
        self.set_task(&id, task).await?;
        Ok(id)
    }

    /// Replaces a task's record (a running task finishing).
    pub async fn set_task(&self, id: &str, task: serde_json::Value) -> ChatResult<()> {
        self.store().update_record(TASKS, id, &|_| Some(task.clone())).await?;
        Ok(())
    }

    /// A task's record.
    pub async fn task(&self, id: &str) -> ChatResult<Option<serde_json::Value>> {
        Ok(self.store().get_record(TASKS, id).await?)
    }

    /// Sets the tap every published event goes through (once; later calls are ignored).
    pub fn set_tap(&self, tap: Arc<dyn tap::EventTap>) {
        let _ = self.0.tap.set(tap);
    }

    fn tap(&self, event: &JsonMap, frame: &str, scope: tap::TapScope<'_>) {
        if let Some(t) = self.0.tap.get() {
            t.tap(event, frame, scope);
        }
    }

    /// Encodes `event` once and publishes it.
    pub(crate) async fn publish(&self, topic: Topic, route: Route, event: &JsonMap) -> ChatResult<()> {
        let frame = encode(event)?;
        self.publish_frame(Publication { topic: topic.clone(), route, frame: frame.clone() }).await?;
        let scope = match &topic {
            Topic::Channel(cid) => tap::TapScope::Channel(cid),
            Topic::User(id) => tap::TapScope::User(id),
            _ => tap::TapScope::Other,
        };
        self.tap(event, &frame, scope);
        Ok(())
    }

    async fn publish_frame(&self, publication: Publication) -> ChatResult<()> {
        Metrics::incr(&self.0.metrics.events_published);
        self.0.bus.publish(publication).await.map_err(|e| {
            Metrics::incr(&self.0.metrics.bus_publish_failures);
            ChatError::from(e)
        })
    }

    /// Publishes a channel event to the channel's watchers.
    pub(crate) async fn publish_to_channel(&self, cid: &str, event: &JsonMap) -> ChatResult<()> {
        self.publish(Topic::channel(cid), Route::Watchers, event).await
    }

    /// Publishes a user-targeted event to the user's connections (minus those watching `skip_watching`).
    pub(crate) async fn publish_to_user(&self, user_id: &str, skip_watching: Option<&str>, event: &JsonMap) -> ChatResult<()> {
        let route = Route::UserConnections { skip_watching: skip_watching.map(Arc::from) };
        self.publish(Topic::user(user_id), route, event).await
    }

    /// Publishes one user-targeted event to each of `user_ids` (as [`Self::publish_to_user`]),
    /// encoded once; a bounded number of publications are in flight at a time.
    pub(crate) async fn publish_to_users(&self, user_ids: &[String], skip_watching: Option<&str>, event: &JsonMap) -> ChatResult<()> {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        let frame = encode(event)?;
        let skip: Option<Arc<str>> = skip_watching.map(Arc::from);
        stream::iter(user_ids)
            .map(|id| {
                let route = Route::UserConnections { skip_watching: skip.clone() };
                self.publish_frame(Publication { topic: Topic::user(id), route, frame: frame.clone() })
            })
            .buffer_unordered(PUBLISHES_IN_FLIGHT)
            .try_collect::<()>()
            .await?;
        self.tap(event, &frame, tap::TapScope::Users(user_ids));
        Ok(())
    }
}

/// Publications one call keeps in flight at a time when it fans out to many users.
const PUBLISHES_IN_FLIGHT: usize = 32;

/// The event's JSON, once, as the shared bytes every recipient gets.
fn encode(event: &JsonMap) -> ChatResult<bytestring::ByteString> {
    serde_json::to_string(event).map(Into::into).map_err(|e| ChatError::new(ErrorCode::Internal, e.to_string()))
}
