//! herald: a self-hosted, actor-based event broker that speaks the Stream Chat protocol.
//!
//! This crate is the process: configuration ([`config`]), authentication ([`auth`]), the HTTP
//! and WebSocket surface ([`http`]), and the wiring in [`run`]. The actors and the domain logic
//! live in `herald-actors`; the wire contract in `herald-proto`.

pub mod auth;
pub mod cluster;
pub mod config;
pub mod error;
pub mod http;
pub mod vonage_auth;
pub mod webhooks;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{middleware, web, App, HttpServer};
use herald_actors::bus::{Bus, MemoryBus};
use herald_actors::chat::{Chat, ChatLimits};
use herald_actors::link::NodeLink;
use herald_actors::metrics::Metrics;
use herald_actors::registry::{CloseAll, GetLocalCounts, RegistryActor};
use herald_actors::session::SessionConfig;
use herald_actors::store::{MemoryStore, Store};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub use config::Config;

/// A running node: the HTTP server future (await or spawn it) and what controls it.
pub struct Node {
    pub server: Server,
    pub control: NodeControl,
}

/// Handles to stop a node gracefully.
#[derive(Clone)]
pub struct NodeControl {
    pub handle: ServerHandle,
    pub chat: Chat,
    draining: Arc<AtomicBool>,
    liveness: Option<cluster::liveness::Liveness>,
    drain_timeout: Duration,
    webhooks: webhooks::Webhooks,
    /// The unread-message reminder loop (stopped with the node).
    reminders: Arc<Option<herald_actors::chat::unread_reminders::UnreadReminderTask>>,
    scheduler: actix::Addr<herald_actors::scheduler::ReminderScheduler>,
}

impl NodeControl {
    /// Marks the node as draining: /readyz answers 503 so load balancers stop sending to it.
    pub fn set_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Graceful stop: /readyz turns 503, every socket is closed with the reconnect code 4000
    /// (clients reconnect, to another node behind a load balancer), in cluster mode the node
    /// says goodbye once its connections are cleaned up, then the HTTP server stops.
    pub async fn shutdown(&self) {
        self.set_draining();
        if let Some(reminders) = self.reminders.as_ref() {
            reminders.stop();
        }
        let closed =
            self.chat.registry().send(CloseAll { code: herald_proto::close::SHUTDOWN, reason: "node shutting down" }).await.unwrap_or(0);
        tracing::info!(closed, "closed client sockets for shutdown");
        if let Some(liveness) = &self.liveness {
            self.wait_for_sessions_to_end().await;
            liveness.goodbye().await;
        }
        self.webhooks.stop().await;
        self.scheduler.do_send(herald_actors::scheduler::StopScheduler);
        self.handle.stop(true).await;
    }

    /// Waits (bounded by the shutdown timeout) until every local session has unregistered, so
    /// their watching/presence events went out before the node leaves the cluster.
    async fn wait_for_sessions_to_end(&self) {
        let deadline = tokio::time::Instant::now() + self.drain_timeout;
        while tokio::time::Instant::now() < deadline {
            match self.chat.registry().send(GetLocalCounts).await {
                Ok(counts) if counts.connections > 0 => tokio::time::sleep(Duration::from_millis(20)).await,
                _ => return,
            }
        }
        tracing::warn!("sessions still open at the end of the shutdown timeout");
    }
}

/// How often every node polls the Store for due message reminders.
const REMINDER_POLL: Duration = Duration::from_millis(250);

/// Starts a node on `listener` with `config` (which must carry an API secret). Must be called
/// inside an actix system.
pub fn run(listener: TcpListener, config: Config) -> anyhow::Result<Node> {
    anyhow::ensure!(!config.api_secret.is_empty(), "api_secret is required to run a node");
    let metrics = Arc::new(Metrics::default());
    let node_id =
        if config.node_id.is_empty() { format!("herald-{}", &uuid::Uuid::new_v4().to_string()[..8]) } else { config.node_id.clone() };
    let (store, bus, inbound, cluster_store): (Arc<dyn Store>, Arc<dyn Bus>, _, _) = if config.redis_url.is_empty() {
        let (bus, inbound) = MemoryBus::new();
        (Arc::new(MemoryStore::new(&herald_actors::clock::now())), Arc::new(bus), inbound, None)
    } else {
        let parts = cluster::connect(&config, &node_id, metrics.clone())?;
        (parts.store.clone(), parts.bus, parts.inbound, Some(parts.store))
    };
    let link = NodeLink::new(&node_id, bus.clone(), Duration::from_millis(config.cluster.redis_timeout_ms));
    let registry = RegistryActor::start(bus.clone(), link.clone(), inbound, metrics.clone());
    let limits = ChatLimits {
        max_event_bytes: config.limits.max_event_bytes,
        max_presence_follows: config.limits.max_presence_follows,
        max_conversation_events: config.limits.max_conversation_events,
        max_channel_messages: config.limits.max_channel_messages,
    };
    let chat = Chat::new(store, bus, registry, link, metrics.clone(), limits);
    let webhook_queue: Arc<dyn webhooks::queue::WebhookQueue> = match &cluster_store {
        Some(store) => Arc::new(cluster::webhook_queue::RedisQueue::new(
            store.clone(),
            Duration::from_millis(config.webhooks.lease_ms),
            config.webhooks.dead_letters_kept,
        )),
        None => Arc::new(webhooks::queue::MemoryQueue::new(config.webhooks.dead_letters_kept)),
    };
    let webhooks = webhooks::Webhooks::start(&chat, &config, webhook_queue);
    let scheduler = herald_actors::scheduler::ReminderScheduler::start(chat.clone(), REMINDER_POLL);
    let node_timeout = Duration::from_secs(config.cluster.node_timeout_secs);
    let redis_timeout = Duration::from_millis(config.cluster.redis_timeout_ms);
    let liveness = cluster_store.map(|store| cluster::liveness::Liveness::start(store, chat.clone(), node_timeout, redis_timeout));
    let draining = Arc::new(AtomicBool::new(false));
    let state = web::Data::new(http::AppState {
        chat: chat.clone(),
        auth: auth::Authenticator::new(&config.api_key, &config.api_secret, config.timing.jwt_leeway_secs),
        metrics,
        session: SessionConfig {
            heartbeat: Duration::from_secs(config.timing.heartbeat_secs),
            client_timeout: Duration::from_secs(config.timing.client_timeout_secs),
            max_frame_bytes: config.limits.max_frame_bytes,
            mailbox_capacity: config.limits.session_mailbox,
        },
        draining: draining.clone(),
        node_id: node_id.clone(),
        vonage: vonage_auth::VonageAuth::from_config(
            &config.vonage_application_id,
            &config.vonage_public_key,
            config.timing.jwt_leeway_secs,
        )?,
        webhooks: webhooks.clone(),
    });
    let max_body = config.limits.max_body_bytes;
    let unread_reminder_secs = config.timing.unread_reminder_secs;
    let user_timeout = Duration::from_secs(config.timing.client_timeout_secs);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(max_body))
            .wrap(middleware::from_fn(http::request_info))
            .wrap(middleware::from_fn(http::stamp_errors))
            .wrap(actix_cors::Cors::permissive().max_age(3600))
            .wrap(middleware::NormalizePath::trim())
            .configure(http::routes)
    })
    .on_connect(move |conn, ext| remember_socket(conn, ext, user_timeout))
    .disable_signals()
    .shutdown_timeout(config.timing.shutdown_timeout_secs);
    if config.workers > 0 {
        server = server.workers(config.workers);
    }
    let server = server.listen(listener)?.run();
    match liveness {
        None => tracing::info!(%node_id, "herald node started (embedded memory engine)"),
        Some(_) => tracing::info!(%node_id, redis = %config::redact_url(&config.redis_url), "herald node started (cluster mode)"),
    }
    let drain_timeout = Duration::from_secs(config.timing.shutdown_timeout_secs);
    let reminders = Arc::new(chat.start_unread_reminders(Duration::from_secs(unread_reminder_secs)));
    let control = NodeControl { handle: server.handle(), chat, draining, liveness, drain_timeout, scheduler, reminders, webhooks };
    Ok(Node { server, control })
}

/// Keeps each accepted socket's fd in its connection data (so a stalled WebSocket can be shut
/// down from outside its session, see `herald_actors::outbound`), and sets `TCP_USER_TIMEOUT`
/// so the kernel drops a peer that stops acknowledging (or keeps a zero window) for as long as
/// the client timeout: a session stalled behind such a socket cannot notice it itself. Nagle's
/// algorithm is switched off: an event written behind an unacknowledged one would otherwise wait
/// for the client's delayed ACK (40 ms on Linux).
fn remember_socket(conn: &dyn std::any::Any, ext: &mut actix_web::dev::Extensions, user_timeout: Duration) {
    use std::os::fd::AsRawFd;
    if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
        ext.insert(herald_actors::outbound::SocketFd(tcp.as_raw_fd()));
        if let Err(e) = socket2::SockRef::from(tcp).set_tcp_user_timeout(Some(user_timeout)) {
            tracing::debug!(error = %e, "TCP_USER_TIMEOUT not set");
        }
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    }
}
