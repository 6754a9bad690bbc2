//! Test harness: a real herald node on 127.0.0.1:0 with real HTTP and WebSocket clients (awc).
//! Every wait has a timeout; absence of an event is proven with a barrier event published
//! after it on the same topic (publications keep their order per topic), never with a sleep.

use crate::redis_server::RedisServer;
use actix_codec::Framed;
use awc::ws::{Codec, Frame, Message};
use awc::BoxedSocket;
use futures_util::{SinkExt, StreamExt};
use herald::auth::Authenticator;
use herald::{Config, NodeControl};
use serde_json::{json, Value};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const KEY: &str = "test-key";
pub const SECRET: &str = "test-secret-0123456789";
pub const WAIT: Duration = Duration::from_secs(5);

pub struct TestNode {
    pub addr: SocketAddr,
    /// The in-process node's controls (None for a node in a child process).
    control: Option<NodeControl>,
    pub auth: Authenticator,
    /// A node in a child process (`herald serve`), killed on drop.
    child: Option<Child>,
    /// The node's own Redis when the single-node suite runs in cluster mode.
    _redis: Option<RedisServer>,
}

/// Whether the single-node tests run in cluster mode (`HERALD_TEST_ENGINE=redis`: every node
/// gets its own `redis-server`) or on the embedded memory engine (default).
pub fn redis_engine() -> bool {
    std::env::var("HERALD_TEST_ENGINE").is_ok_and(|e| e == "redis")
}

/// Boots a node with the test defaults, changed by `tweak`.
pub async fn spawn_node_with(tweak: impl FnOnce(&mut Config)) -> TestNode {
    if !redis_engine() {
        return spawn_in_process(None, tweak).await;
    }
    let redis = RedisServer::start().await;
    let mut node = spawn_in_process(Some(&redis.url()), tweak).await;
    node._redis = Some(redis);
    node
}

/// The test defaults; with `redis_url`, a cluster node on it (node timeout 3 s).
pub fn test_config(redis_url: Option<&str>) -> Config {
    let mut config = Config::defaults();
    config.api_key = KEY.into();
    config.api_secret = SECRET.into();
    config.workers = 2;
    config.timing.shutdown_timeout_secs = 1;
    if let Some(url) = redis_url {
        config.redis_url = url.into();
        config.cluster.node_timeout_secs = 3;
    }
    config
}

/// Logs of in-process nodes go to stderr when `HERALD_TEST_LOG` is set (a tracing filter).
fn init_test_logging() {
    if let Ok(filter) = std::env::var("HERALD_TEST_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new(filter)).with_test_writer().try_init();
    }
}

/// Boots a node in this process and waits until it is ready.
pub async fn spawn_in_process(redis_url: Option<&str>, tweak: impl FnOnce(&mut Config)) -> TestNode {
    init_test_logging();
    let mut config = test_config(redis_url);
    tweak(&mut config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    let addr = listener.local_addr().unwrap();
    let node = herald::run(listener, config).expect("node boots");
    actix_web::rt::spawn(node.server);
    let node = TestNode { addr, control: Some(node.control), auth: Authenticator::new(KEY, SECRET, 0), child: None, _redis: None };
    node.wait_ready().await;
    node
}

/// Boots `herald serve` as a child process (so a test can kill -9 it) and waits until it is ready.
pub async fn spawn_process(config: &Config) -> TestNode {
    spawn_process_with_env(config, &[]).await
}

/// [`spawn_process`] with more `HERALD_*` variables.
pub async fn spawn_process_with_env(config: &Config, env: &[(&str, String)]) -> TestNode {
    let addr: SocketAddr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .arg("serve")
        .env("HERALD_LISTEN", addr.to_string())
        .env("HERALD_API_KEY", &config.api_key)
        .env("HERALD_API_SECRET", &config.api_secret)
        .env("HERALD_REDIS_URL", &config.redis_url)
        .env("HERALD_NODE_ID", &config.node_id)
        .env("HERALD_CLUSTER__REDIS_PREFIX", &config.cluster.redis_prefix)
        .env("HERALD_CLUSTER__NODE_TIMEOUT_SECS", config.cluster.node_timeout_secs.to_string())
        .env("HERALD_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the herald binary");
    let node = TestNode { addr, control: None, auth: Authenticator::new(KEY, SECRET, 0), child: Some(child), _redis: None };
    node.wait_ready().await;
    node
}

pub async fn spawn_node() -> TestNode {
    spawn_node_with(|_| {}).await
}

/// A unique id for this test run.
pub fn uid(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
}

impl TestNode {
    /// The in-process node's controls.
    pub fn control(&self) -> &NodeControl {
        self.control.as_ref().expect("an in-process node")
    }

    /// `GET /readyz` status.
    pub async fn readyz(&self) -> u16 {
        let client = awc::Client::builder().timeout(Duration::from_secs(3)).finish();
        match client.get(format!("http://{}/readyz", self.addr)).send().await {
            Ok(res) => res.status().as_u16(),
            Err(_) => 0,
        }
    }

    /// Polls `/readyz` until it answers `status` (bounded; a node starting or a link
    /// re-established has no event to wait for).
    pub async fn wait_readyz(&self, status: u16, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let got = self.readyz().await;
            if got == status {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "/readyz of {} still {got}, not {status}, after {within:?}", self.addr);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn wait_ready(&self) {
        self.wait_readyz(200, Duration::from_secs(15)).await;
    }

    /// Kills a child-process node with SIGKILL: no goodbye, no socket closes.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("a child-process node");
        child.kill().expect("kill -9");
        let _ = child.wait();
    }

    pub fn url(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("http://{}{path}{sep}api_key={KEY}", self.addr)
    }

    pub fn user_token(&self, user: &str) -> String {
        self.auth.user_token(user, None)
    }

    /// A request with `token` (None: no Authorization header).
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let client = awc::Client::builder().timeout(WAIT).finish();
        let mut req = client.request(method.parse().unwrap(), self.url(path));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", t.to_owned())).insert_header(("stream-auth-type", "jwt"));
        }
        let mut res = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        }
        .expect("request answered");
        let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let bytes = res.body().limit(16 << 20).await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status: res.status().as_u16(), body, content_type }
    }

    /// A server-token call.
    pub async fn server(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.call(method, path, Some(&self.auth.server_token()), body).await
    }

    /// A user-token call.
    pub async fn as_user(&self, user: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.call(method, path, Some(&self.user_token(user)), body).await
    }

    pub async fn upsert_users(&self, ids: &[&str]) {
        let users: serde_json::Map<String, Value> =
            ids.iter().map(|id| (id.to_string(), json!({"id": id, "name": id.to_uppercase()}))).collect();
        let r = self.server("POST", "/users", Some(json!({"users": users}))).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    /// Creates `type:id` with `members` (server side, created by the first member).
    pub async fn create_channel(&self, kind: &str, id: &str, members: &[&str]) {
        let creator = members.first().copied().unwrap_or("creator");
        if members.is_empty() {
            self.upsert_users(&[creator]).await;
        }
        let body = json!({"data": {"members": members, "created_by_id": creator, "name": id}});
        let r = self.server("POST", &format!("/channels/{kind}/{id}/query"), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    /// Upserts `members` and creates a fresh messaging channel with them; returns (id, cid).
    pub async fn messaging_room(&self, members: &[&str]) -> (String, String) {
        self.upsert_users(members).await;
        let id = uid("room");
        self.create_channel("messaging", &id, members).await;
        let cid = format!("messaging:{id}");
        (id, cid)
    }

    /// Opens a socket for `user` and reads the handshake.
    pub async fn connect(&self, user: &str) -> Ws {
        let ws = self.connect_raw(user, &self.user_token(user), json!({"user_id": user, "user_details": {"id": user}})).await;
        let mut ws = ws;
        let first = ws.next_json().await.expect("handshake frame");
        assert_eq!(first["type"], "health.check", "{first}");
        ws.connection_id = first["connection_id"].as_str().expect("connection_id").to_owned();
        ws.handshake = first;
        ws
    }

    /// Opens a socket with the given token and connect payload; no frame read yet.
    pub async fn connect_raw(&self, _user: &str, token: &str, payload: Value) -> Ws {
        let url = format!(
            "ws://{}/connect?json={}&api_key={KEY}&authorization={}&stream-auth-type=jwt",
            self.addr,
            urlencode(&payload.to_string()),
            urlencode(token)
        );
        let (_, framed) = awc::Client::builder()
            .max_http_version(awc::http::Version::HTTP_11)
            .finish()
            .ws(url)
            .max_frame_size(2 << 20)
            .connect()
            .await
            .expect("websocket upgrade");
        Ws { framed, connection_id: String::new(), handshake: Value::Null }
    }

    /// Watches `type:id` on `ws` as its user (REST with connection_id), returning the state.
    pub async fn watch(&self, ws: &Ws, user: &str, cid: &str, presence: bool) -> Value {
        let (kind, id) = cid.split_once(':').unwrap();
        let path = format!("/channels/{kind}/{id}/query?connection_id={}", ws.connection_id);
        let r = self.as_user(user, "POST", &path, Some(json!({"state": true, "watch": true, "presence": presence}))).await;
        assert_eq!(r.status, 201, "watch {cid}: {}", r.body);
        r.body
    }

    /// Sends a custom channel event as the server on behalf of `user`.
    pub async fn channel_event(&self, cid: &str, user: &str, event: Value) -> Reply {
        let (kind, id) = cid.split_once(':').unwrap();
        let mut event = event;
        event["user_id"] = user.into();
        self.server("POST", &format!("/channels/{kind}/{id}/event"), Some(json!({ "event": event }))).await
    }

    /// Sends a message to `cid` as the server on behalf of `user`; `message` holds its fields.
    pub async fn send_message(&self, cid: &str, user: &str, message: Value) -> Reply {
        let (kind, id) = cid.split_once(':').unwrap();
        let mut message = message;
        message["user_id"] = user.into();
        self.server("POST", &format!("/channels/{kind}/{id}/message"), Some(json!({ "message": message }))).await
    }

    /// [`TestNode::send_message`] with just `text`, asserting success; returns the message.
    pub async fn post_text(&self, cid: &str, user: &str, text: &str) -> Value {
        let r = self.send_message(cid, user, json!({ "text": text })).await;
        assert_eq!(r.status, 201, "send message: {}", r.body);
        r.body["message"].clone()
    }

    /// Publishes a barrier custom event on the channel; see [`Ws::assert_none_before`].
    pub async fn channel_barrier(&self, cid: &str, user: &str) -> String {
        let mark = uid("barrier");
        let r = self.channel_event(cid, user, json!({"type": "barrier", "mark": mark})).await;
        assert_eq!(r.status, 201, "{}", r.body);
        mark
    }

    /// Publishes a barrier user event to `user`.
    pub async fn user_barrier(&self, user: &str) -> String {
        let mark = uid("barrier");
        let r = self.server("POST", &format!("/users/{user}/event"), Some(json!({"event": {"type": "barrier", "mark": mark}}))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        mark
    }

    pub async fn metric(&self, name: &str) -> u64 {
        let client = awc::Client::new();
        let mut res = client.get(format!("http://{}/metrics", self.addr)).send().await.unwrap();
        let text = String::from_utf8(res.body().await.unwrap().to_vec()).unwrap();
        text.lines().find_map(|l| l.strip_prefix(&format!("herald_{name} "))).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
    }

    /// Polls `/metrics` until counter `name` reaches `at_least` (bounded: a counter has no event
    /// to wait for).
    pub async fn wait_metric(&self, name: &str, at_least: u64, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let value = self.metric(name).await;
            if value >= at_least {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "{name} still {value}, not {at_least}, after {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn stop(mut self) {
        if let Some(control) = &self.control {
            control.handle.stop(false).await;
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A client socket.
pub struct Ws {
    pub framed: Framed<BoxedSocket, Codec>,
    pub connection_id: String,
    pub handshake: Value,
}

/// What came off a socket.
#[derive(Debug)]
pub enum Incoming {
    Json(Value),
    Closed(Option<u16>),
}

impl Ws {
    pub async fn send_text(&mut self, text: impl Into<String>) {
        self.framed.send(Message::Text(text.into().into())).await.expect("send frame");
    }

    /// The next text frame or close, within the timeout; None on timeout.
    pub async fn next_incoming(&mut self, within: Duration) -> Option<Incoming> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.framed.next()).await.ok()?;
            match frame {
                Some(Ok(Frame::Text(bytes))) => return Some(Incoming::Json(serde_json::from_slice(&bytes).expect("text frames are JSON"))),
                Some(Ok(Frame::Close(reason))) => return Some(Incoming::Closed(reason.map(|r| u16::from(r.code)))),
                Some(Ok(Frame::Ping(p))) => {
                    let _ = self.framed.send(Message::Pong(p)).await;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Some(Incoming::Closed(None)),
            }
        }
    }

    /// The next JSON frame (panics on close).
    pub async fn next_json(&mut self) -> Option<Value> {
        match self.next_incoming(WAIT).await? {
            Incoming::Json(v) => Some(v),
            Incoming::Closed(code) => panic!("socket closed ({code:?}) while waiting for a frame"),
        }
    }

    /// Waits for an event of `kind` matching `pred`, skipping others (and heartbeats).
    pub async fn wait_for(&mut self, kind: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_within(kind, pred, WAIT).await
    }

    /// [`Ws::wait_for`] with its own bound.
    pub async fn wait_for_within(&mut self, kind: &str, pred: impl Fn(&Value) -> bool, within: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_incoming(left).await {
                Some(Incoming::Json(v)) if v["type"] == kind && pred(&v) => return v,
                Some(Incoming::Json(_)) => continue,
                Some(Incoming::Closed(code)) => panic!("socket closed ({code:?}) while waiting for {kind}"),
                None => panic!("no {kind} event within {within:?}"),
            }
        }
    }

    pub async fn event(&mut self, kind: &str) -> Value {
        self.wait_for(kind, |_| true).await
    }

    /// Reads up to the barrier `mark`, failing if an event of a `forbidden` type arrives first.
    pub async fn assert_none_before(&mut self, mark: &str, forbidden: &[&str]) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_incoming(left).await {
                Some(Incoming::Json(v)) if v["mark"] == mark => return,
                Some(Incoming::Json(v)) => {
                    let kind = v["type"].as_str().unwrap_or("");
                    assert!(!forbidden.contains(&kind), "unexpected {kind}: {v}");
                }
                Some(Incoming::Closed(code)) => panic!("socket closed ({code:?}) before the barrier"),
                None => panic!("barrier {mark} not received within {WAIT:?}"),
            }
        }
    }

    /// Sends a heartbeat and waits for its answer: proves the connection is open and serving.
    pub async fn assert_alive(&mut self) {
        self.send_text(json!([{"type": "health.check", "client_id": "test"}]).to_string()).await;
        let hc = self.event("health.check").await;
        assert_eq!(hc["connection_id"], self.connection_id.as_str());
    }

    /// Waits for the close frame; returns its code.
    pub async fn closed(&mut self) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_incoming(left).await {
                Some(Incoming::Closed(code)) => return code,
                Some(Incoming::Json(_)) => continue,
                None => panic!("socket not closed in time"),
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.framed.send(Message::Close(None)).await;
    }
}
