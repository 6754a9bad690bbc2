//! A real webhook endpoint for the tests: an HTTP server on 127.0.0.1 recording every request
//! (headers and exact body bytes). Its behaviour can be switched while it runs: answer 200, answer
//! a status, or hang (never answer within herald's attempt timeout). It can also be started late
//! on a port reserved earlier, so that until then herald's connections are refused.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// `mode`: 0 answer 200, 1 hang, otherwise answer that status.
pub const OK: u16 = 0;
pub const HANG: u16 = 1;

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    pub json: Value,
    pub at: tokio::time::Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(&name.to_lowercase()).map(String::as_str).unwrap_or("")
    }
    pub fn id(&self) -> String {
        self.header("x-webhook-id").to_owned()
    }
    pub fn attempt(&self) -> u32 {
        self.header("x-webhook-attempt").parse().unwrap_or(0)
    }
}

pub struct Receiver {
    pub url: String,
    port: u16,
    mode: Arc<AtomicU16>,
    tx: mpsc::UnboundedSender<Received>,
    rx: mpsc::UnboundedReceiver<Received>,
    server: Option<actix_web::dev::ServerHandle>,
}

struct Shared {
    mode: Arc<AtomicU16>,
    tx: mpsc::UnboundedSender<Received>,
}

async fn record(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let headers = req.headers().iter().map(|(k, v)| (k.as_str().to_lowercase(), v.to_str().unwrap_or("").to_owned())).collect();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // the answer is decided before the test hears of the request (it may switch modes then)
    let mode = shared.mode.load(Ordering::SeqCst);
    let _ = shared.tx.send(Received { headers, body: body.to_vec(), json, at: tokio::time::Instant::now() });
    match mode {
        OK => HttpResponse::Ok().finish(),
        HANG => {
            // the endpoint does not answer (herald's attempt timeout is far shorter)
            tokio::time::sleep(Duration::from_secs(60)).await;
            HttpResponse::Ok().finish()
        }
        status => HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish(),
    }
}

impl Receiver {
    /// A receiver answering 200, listening now (on a port it keeps from the start).
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::unbounded_channel();
        let url = format!("http://127.0.0.1:{port}/hook");
        let mut r = Receiver { url, port, mode: Arc::new(AtomicU16::new(OK)), tx, rx, server: None };
        r.listen_on(listener);
        r
    }

    /// A receiver whose port is chosen but not listened on yet (connections are refused).
    pub fn reserve() -> Receiver {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (tx, rx) = mpsc::unbounded_channel();
        Receiver { url: format!("http://127.0.0.1:{port}/hook"), port, mode: Arc::new(AtomicU16::new(OK)), tx, rx, server: None }
    }

    /// Starts listening (on the reserved port).
    pub fn listen(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("bind the reserved receiver port");
        self.listen_on(listener);
    }

    fn listen_on(&mut self, listener: TcpListener) {
        let shared = web::Data::new(Shared { mode: self.mode.clone(), tx: self.tx.clone() });
        let server = HttpServer::new(move || App::new().app_data(shared.clone()).default_service(web::to(record)))
            .workers(1)
            .disable_signals()
            .shutdown_timeout(0)
            .listen(listener)
            .unwrap()
            .run();
        self.server = Some(server.handle());
        actix_web::rt::spawn(server);
    }

    pub fn set_mode(&self, mode: u16) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    /// The next request, within `within`.
    pub async fn next_within(&mut self, within: Duration) -> Option<Received> {
        tokio::time::timeout(within, self.rx.recv()).await.ok().flatten()
    }

    /// The next request whose JSON satisfies `pred` (others are skipped), within 10 s.
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Received {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                Some(r) if pred(&r.json) => return r,
                Some(_) => continue,
                None => panic!("webhook {what} not received within 10 s"),
            }
        }
    }

    /// Every request up to (and including) the first whose JSON satisfies `pred`, within `within`.
    pub async fn collect_until(&mut self, within: Duration, pred: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        let mut got = Vec::new();
        while !pred(&got) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                Some(r) => got.push(r),
                None => panic!("webhooks still incomplete after {within:?}: {} received", got.len()),
            }
        }
        got
    }

    pub async fn stop(mut self) {
        if let Some(h) = self.server.take() {
            h.stop(false).await;
        }
    }
}

/// `X-Signature` as Stream's SDKs compute it: lowercase hex HMAC-SHA256 of the body with the secret.
pub fn stream_signature(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The seed's TalkPlus verification (talkplus-webhooks.txt, Go/Node/Python snippets) in Rust:
/// base64 of HMAC-SHA256 of the body keyed with the API key, compared with the header.
pub fn talkplus_signature_matches(api_key: &str, body: &[u8], signature_from_header: &str) -> bool {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut hash = Hmac::<sha2::Sha256>::new_from_slice(api_key.as_bytes()).unwrap();
    hash.update(body);
    let computed = base64::engine::general_purpose::STANDARD.encode(hash.finalize().into_bytes());
    signature_from_header == computed
}
