//! One bench WebSocket: a TCP connection (from a chosen loopback source address), the Stream
//! handshake on `GET /connect`, and the first `health.check` frame that names the connection.
//! Watching a channel is a REST query with that `connection_id`, as the official clients do.

use crate::plan::Plan;
use crate::rest::{self, Auth};
use crate::token;
use futures_util::StreamExt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Ws = WebSocketStream<TcpStream>;

/// An open, handshaken connection.
pub struct Conn {
    pub ws: Ws,
    pub connection_id: String,
    pub token: String,
}

/// Opens user `user_id`'s socket to node `base` (http://host:port).
pub async fn open(plan: &Plan, base: &str, user_id: &str, source: Option<Ipv4Addr>) -> Result<Conn, String> {
    let (host, port) = rest::host_port(base)?;
    let addr: SocketAddr = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("resolve {host}: {e}"))?
        .find(SocketAddr::is_ipv4)
        .ok_or_else(|| format!("{host} has no IPv4 address"))?;
    let stream = tcp_connect(addr, source.filter(|_| addr.ip().is_loopback())).await?;
    let token = token::user_token(&plan.api_secret, user_id);
    let payload = serde_json::json!({ "user_id": user_id, "user_details": { "id": user_id }, "client_request_id": "bench" });
    let url = format!(
        "ws://{host}:{port}/connect?json={}&api_key={}&authorization={token}&stream-auth-type=jwt",
        rest::encode_query(&payload.to_string()),
        plan.api_key
    );
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(ws_config()))
        .await
        .map_err(|e| format!("websocket handshake: {e}"))?;
    let connection_id = loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => break first_frame(&text)?,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(other)) => return Err(format!("unexpected first frame: {other:?}")),
            Some(Err(e)) => return Err(format!("reading the first frame: {e}")),
            None => return Err("closed before the first frame".into()),
        }
    };
    Ok(Conn { ws, connection_id, token })
}

/// A small read buffer: tungstenite's default (128 KiB) is zeroed on every read, which costs
/// more than the frames themselves when thousands of sockets each read a few hundred bytes.
fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(READ_BUFFER_BYTES)
}

const READ_BUFFER_BYTES: usize = 8 * 1024;

async fn tcp_connect(addr: SocketAddr, source: Option<Ipv4Addr>) -> Result<TcpStream, String> {
    let socket = TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
    if let Some(ip) = source {
        bind_address_no_port(&socket);
        socket.bind(SocketAddr::new(IpAddr::V4(ip), 0)).map_err(|e| format!("bind {ip}: {e}"))?;
    }
    let stream = socket.connect(addr).await.map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
    Ok(stream)
}

/// Lets the kernel pick the source port at connect time (per destination), so binding a source
/// address does not cap connections at one ephemeral range per address.
fn bind_address_no_port(socket: &TcpSocket) {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: a valid socket fd and a c_int option value of the right size.
    unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_BIND_ADDRESS_NO_PORT,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// The connection id from the handshake frame, or the node's refusal.
fn first_frame(text: &str) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("first frame is not JSON: {e}"))?;
    if let Some(error) = value.get("error") {
        return Err(format!("refused: {error}"));
    }
    value
        .get("connection_id")
        .and_then(|c| c.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("first frame has no connection_id: {text}"))
}

/// Watches channel `stream` on connection `conn` (REST query with `watch: true`, no member list).
pub async fn watch(http: &awc::Client, plan: &Plan, base: &str, conn: &Conn, stream: u32) -> Result<(), String> {
    let path = format!("/channels/{}/{}/query", plan.channel_type, plan.channel_id(stream));
    let query = format!("&connection_id={}", conn.connection_id);
    let body = serde_json::json!({ "watch": true, "state": true, "members": { "limit": 0 } });
    rest::post(http, base, &plan.api_key, &path, &query, Auth::User(&conn.token), &body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_frame_or_refusal() {
        assert_eq!(first_frame(r#"{"type":"health.check","connection_id":"c1","me":{}}"#).unwrap(), "c1");
        assert!(first_frame(r#"{"error":{"code":5,"message":"bad token"}}"#).unwrap_err().contains("bad token"));
        assert!(first_frame("nope").is_err());
    }
}
