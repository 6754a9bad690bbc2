//! SessionActor: one per WebSocket (actix-web-actors). It registers with the registry before the
//! `health.check` handshake goes out (so a REST watch right after connectUser finds it), answers
//! every client heartbeat, sends its own `health.check` every heartbeat interval, hands inbound
//! frames to [`Chat`], and writes outbound frames. What waits for a client is bounded by the
//! mailbox: when it overflows the client is closed as a slow consumer and counted
//! ([`crate::inbox::Inbox`], [`crate::outbound`]).
//!
//! Messages in: [`Deliver`] (from channel/user actors via [`crate::inbox::Inbox`]), [`Control`]
//! (kick, watch bookkeeping). The transport stays inside this module, so swapping
//! actix-web-actors for another WebSocket layer stays local.

use crate::chat::{Caller, Chat, ChatError};
use crate::inbox::Inbox;
use crate::metrics::Metrics;
use crate::outbound::SocketHandle;
use crate::ConnId;
use actix::prelude::*;
use actix_web_actors::ws;
use bytestring::ByteString;
use herald_proto::close;
use herald_proto::error::{ApiErrorBody, ErrorCode};
use herald_proto::frame::{parse_inbound, InboundFrame};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Per-session settings (from the node's configuration).
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// How often the server sends its own `health.check` (and a WebSocket ping). ≤ 30 s.
    pub heartbeat: Duration,
    /// Close the connection when nothing was heard from the client for this long.
    pub client_timeout: Duration,
    /// Inbound text frames above this get an error frame (the connection stays open).
    pub max_frame_bytes: usize,
    /// Capacity of the session's mailbox: deliveries waiting for a client. When it is full the
    /// client is closed as a slow consumer.
    pub mailbox_capacity: usize,
}

pub struct SessionActor {
    conn: ConnId,
    user: Arc<str>,
    /// The first frame, sent once the registry knows this connection.
    handshake: Option<String>,
    chat: Chat,
    cfg: SessionConfig,
    socket: SocketHandle,
    metrics: Arc<Metrics>,
    watching: HashSet<Arc<str>>,
    last_heard: Instant,
    registered: bool,
    closing: bool,
}

impl SessionActor {
    pub fn new(conn: ConnId, user: Arc<str>, handshake: String, chat: Chat, cfg: SessionConfig, socket: SocketHandle) -> Self {
        let metrics = chat.metrics();
        SessionActor {
            conn,
            user,
            handshake: Some(handshake),
            chat,
            cfg,
            socket,
            metrics,
            watching: HashSet::new(),
            last_heard: Instant::now(),
            registered: false,
            closing: false,
        }
    }

    fn close(&mut self, code: u16, reason: &str, ctx: &mut ws::WebsocketContext<Self>) {
        if self.closing {
            return;
        }
        self.closing = true;
        ctx.close(Some(ws::CloseReason { code: ws::CloseCode::from(code), description: Some(reason.to_owned()) }));
        ctx.stop();
    }

    fn reject_frame(&mut self, body: ApiErrorBody, ctx: &mut ws::WebsocketContext<Self>) {
        Metrics::incr(&self.metrics.inbound_frames_rejected);
        ctx.text(body.to_socket_frame(true));
    }

    fn heartbeat(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        if self.last_heard.elapsed() > self.cfg.client_timeout {
            Metrics::incr(&self.metrics.clients_timed_out);
            self.close(close::CLIENT_TIMEOUT, "no frame from the client within the timeout", ctx);
            return;
        }
        ctx.ping(b"");
        ctx.text(Chat::health_check_frame(&self.conn));
    }

    fn on_text(&mut self, text: ByteString, ctx: &mut ws::WebsocketContext<Self>) {
        if text.len() > self.cfg.max_frame_bytes {
            let msg = format!("frame of {} bytes exceeds the {}-byte limit", text.len(), self.cfg.max_frame_bytes);
            return self.reject_frame(ApiErrorBody::new(ErrorCode::PayloadTooBig, msg), ctx);
        }
        match parse_inbound(&text) {
            Ok(InboundFrame::HealthCheck) => ctx.text(Chat::health_check_frame(&self.conn)),
            Ok(InboundFrame::ChannelEvent { cid, event }) => {
                let chat = self.chat.clone();
                let caller = Caller::User(self.user.to_string());
                // `wait` keeps one connection's events in the order it sent them.
                ctx.wait(async move { chat.send_channel_event(&caller, &cid, event).await }.into_actor(self).map(
                    |res: Result<_, ChatError>, act, ctx| {
                        if let Err(e) = res {
                            act.reject_frame(e.body(), ctx);
                        }
                    },
                ));
            }
            Err(e) => self.reject_frame(ApiErrorBody::new(ErrorCode::InputError, e.to_string()), ctx),
        }
    }
}

impl Actor for SessionActor {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(self.cfg.mailbox_capacity);
        let inbox = Inbox { deliver: ctx.address().recipient(), control: ctx.address().recipient(), socket: self.socket.clone() };
        let chat = self.chat.clone();
        let (conn, user) = (self.conn.clone(), self.user.clone());
        ctx.wait(async move { chat.open_connection(conn, user, inbox).await }.into_actor(self).map(|res, act, ctx| match res {
            Ok(()) => {
                act.registered = true;
                Metrics::incr(&act.metrics.connections_opened);
                if let Some(handshake) = act.handshake.take() {
                    ctx.text(handshake);
                }
                ctx.run_interval(act.cfg.heartbeat, |act, ctx| act.heartbeat(ctx));
            }
            Err(e) => {
                ctx.text(e.body().to_socket_frame(false));
                act.close(close::SHUTDOWN, "node could not register the connection", ctx);
            }
        }));
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        Metrics::incr(&self.metrics.connections_closed);
        if self.registered {
            let chat = self.chat.clone();
            let conn = self.conn.clone();
            actix::spawn(async move { chat.close_connection(conn).await });
        }
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for SessionActor {
    fn handle(&mut self, msg: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        self.last_heard = Instant::now();
        match msg {
            Ok(ws::Message::Text(text)) => self.on_text(text, ctx),
            Ok(ws::Message::Ping(bytes)) => ctx.pong(&bytes),
            Ok(ws::Message::Pong(_)) | Ok(ws::Message::Nop) => {}
            Ok(ws::Message::Binary(_)) | Ok(ws::Message::Continuation(_)) => {
                let body = ApiErrorBody::new(ErrorCode::InputError, "only single JSON text frames are accepted");
                self.reject_frame(body, ctx);
            }
            Ok(ws::Message::Close(reason)) => {
                self.closing = true;
                ctx.close(reason);
                ctx.stop();
            }
            Err(ws::ProtocolError::Overflow) => self.close(close::MESSAGE_TOO_BIG, "frame over the transport limit", ctx),
            Err(e) => {
                tracing::debug!(conn = %self.conn, error = %e, "websocket protocol error");
                self.closing = true;
                ctx.stop();
            }
        }
    }
}

/// An encoded event for this connection. `skip_watching`: drop it if this connection watches
/// that channel (notification.* go only to connections not watching).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Deliver {
    pub frame: ByteString,
    pub skip_watching: Option<Arc<str>>,
}

impl Handler<Deliver> for SessionActor {
    type Result = ();
    fn handle(&mut self, msg: Deliver, ctx: &mut Self::Context) {
        if self.closing || msg.skip_watching.is_some_and(|cid| self.watching.contains(&cid)) {
            return;
        }
        Metrics::incr(&self.metrics.frames_delivered);
        ctx.text(msg.frame);
    }
}

/// Instructions from the node.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub enum Control {
    /// Close with this code.
    Kick { code: u16, reason: &'static str },
    /// The registry recorded that this connection started (`on`) or stopped watching `cid`.
    Watching { cid: Arc<str>, on: bool },
}

impl Handler<Control> for SessionActor {
    type Result = ();
    fn handle(&mut self, msg: Control, ctx: &mut Self::Context) {
        match msg {
            Control::Kick { code, reason } => self.close(code, reason, ctx),
            Control::Watching { cid, on: true } => {
                self.watching.insert(cid);
            }
            Control::Watching { cid, on: false } => {
                self.watching.remove(&cid);
            }
        }
    }
}

/// A socket refused at the handshake: one `{"error":…}` frame, then close 1000 (or 4003, so
/// the client retries, when the refusal is transient: code 23, the store unreachable).
pub struct RejectedSession {
    frame: String,
    code: u16,
}

impl RejectedSession {
    pub fn new(error: &ApiErrorBody) -> Self {
        let transient = error.code == ErrorCode::Unavailable.number();
        RejectedSession { frame: error.to_socket_frame(false), code: if transient { close::UNAVAILABLE } else { close::REJECTED } }
    }
}

impl Actor for RejectedSession {
    type Context = ws::WebsocketContext<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.text(std::mem::take(&mut self.frame));
        ctx.close(Some(ws::CloseReason { code: ws::CloseCode::from(self.code), description: None }));
        ctx.stop();
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for RejectedSession {
    fn handle(&mut self, _: Result<ws::Message, ws::ProtocolError>, _: &mut Self::Context) {}
}
