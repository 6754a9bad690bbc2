//! herald: a self-hosted, actor-based event broker that speaks the Stream Chat protocol.
//!
//! This crate is the process: configuration ([`config`]), authentication ([`auth`]), the HTTP
//! and WebSocket surface ([`http`]), and the wiring in [`run`]. The actors and the domain logic
//! live in `herald-actors`; the wire contract in `herald-proto`.

pub mod auth;
pub mod config;
pub mod error;
pub mod http;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{middleware, web, App, HttpServer};
use herald_actors::bus::{Bus, MemoryBus};
use herald_actors::chat::{Chat, ChatLimits};
use herald_actors::metrics::Metrics;
use herald_actors::registry::{CloseAll, RegistryActor};
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
}

impl NodeControl {
    /// Marks the node as draining: /readyz answers 503 so load balancers stop sending to it.
    pub fn set_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Graceful stop: /readyz turns 503, every socket is closed with the reconnect code 4000
    /// (clients reconnect, to another node behind a load balancer), then the HTTP server stops.
    pub async fn shutdown(&self) {
        self.set_draining();
        let closed =
            self.chat.registry().send(CloseAll { code: herald_proto::close::SHUTDOWN, reason: "node shutting down" }).await.unwrap_or(0);
        tracing::info!(closed, "closed client sockets for shutdown");
        self.handle.stop(true).await;
    }
}

/// Starts a node on `listener` with `config` (which must carry an API secret). Must be called
/// inside an actix system.
pub fn run(listener: TcpListener, config: Config) -> anyhow::Result<Node> {
    anyhow::ensure!(!config.api_secret.is_empty(), "api_secret is required to run a node");
    anyhow::ensure!(config.redis_url.is_empty(), "redis_url is set, but cluster mode is not available in this build yet");
    let metrics = Arc::new(Metrics::default());
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new(&herald_actors::clock::now()));
    let (bus, inbound) = MemoryBus::new();
    let bus: Arc<dyn Bus> = Arc::new(bus);
    let registry = RegistryActor::start(bus.clone(), inbound, metrics.clone());
    let limits = ChatLimits { max_event_bytes: config.limits.max_event_bytes, max_presence_follows: config.limits.max_presence_follows };
    let chat = Chat::new(store, bus, registry, metrics.clone(), limits);
    let draining = Arc::new(AtomicBool::new(false));
    let node_id =
        if config.node_id.is_empty() { format!("herald-{}", &uuid::Uuid::new_v4().to_string()[..8]) } else { config.node_id.clone() };
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
    });
    let max_body = config.limits.max_body_bytes;
    let user_timeout = Duration::from_secs(config.timing.client_timeout_secs);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(max_body))
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
    tracing::info!(%node_id, "herald node started (embedded memory engine)");
    let control = NodeControl { handle: server.handle(), chat, draining };
    Ok(Node { server, control })
}

/// Keeps each accepted socket's fd in its connection data (so a stalled WebSocket can be shut
/// down from outside its session, see `herald_actors::outbound`), and sets `TCP_USER_TIMEOUT`
/// so the kernel drops a peer that stops acknowledging (or keeps a zero window) for as long as
/// the client timeout: a session stalled behind such a socket cannot notice it itself.
fn remember_socket(conn: &dyn std::any::Any, ext: &mut actix_web::dev::Extensions, user_timeout: Duration) {
    use std::os::fd::AsRawFd;
    if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
        ext.insert(herald_actors::outbound::SocketFd(tcp.as_raw_fd()));
        if let Err(e) = socket2::SockRef::from(tcp).set_tcp_user_timeout(Some(user_timeout)) {
            tracing::debug!(error = %e, "TCP_USER_TIMEOUT not set");
        }
    }
}
