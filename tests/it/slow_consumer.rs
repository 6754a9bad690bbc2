//! A client that stops reading is cut off once its mailbox overflows (it reconnects and
//! re-syncs); the drop and the close are counted, and the other watchers receive everything.

use crate::support::*;
use serde_json::json;
use socket2::{Domain, Socket, Type};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A WebSocket client with a 4 KB receive buffer that never reads after the upgrade.
fn stalled_socket(addr: SocketAddr, user: &str, token: &str) -> TcpStream {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&addr.into()).unwrap();
    let mut stream: TcpStream = socket.into();
    let payload = urlencode(&json!({"user_id": user, "user_details": {"id": user}}).to_string());
    let request = format!(
        "GET /connect?json={payload}&api_key={KEY}&authorization={token}&stream-auth-type=jwt HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    stream
}

/// The connection_id from the handshake frame (a small unmasked text frame).
fn read_handshake(stream: &mut TcpStream) -> String {
    let mut header = [0u8; 2];
    stream.read_exact(&mut header).unwrap();
    let len = match header[1] & 0x7f {
        126 => {
            let mut ext = [0u8; 2];
            stream.read_exact(&mut ext).unwrap();
            u16::from_be_bytes(ext) as usize
        }
        n => n as usize,
    };
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).unwrap();
    let frame: serde_json::Value = serde_json::from_slice(&body).unwrap();
    frame["connection_id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn a_slow_consumer_is_closed_and_counted_without_stalling_the_channel() {
    let node = spawn_node_with(|c| {
        c.limits.max_frame_bytes = 8192;
        c.limits.session_mailbox = 64;
    })
    .await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice]).await;
    let id = uid("firehose");
    let cid = format!("livestream:{id}");
    node.create_channel("livestream", &id, &[&alice]).await;
    // blocking socket work runs off the test's runtime thread, which also runs the registry
    let (addr, token, user) = (node.addr, node.user_token(&bob), bob.clone());
    let (stalled, conn) = actix_web::rt::task::spawn_blocking(move || {
        let mut stalled = stalled_socket(addr, &user, &token);
        let conn = read_handshake(&mut stalled);
        (stalled, conn)
    })
    .await
    .unwrap();
    let mut stalled = stalled;
    let r =
        node.as_user(&bob, "POST", &format!("/channels/livestream/{id}/query?connection_id={conn}"), Some(json!({"watch": true}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut fast = node.connect(&alice).await;
    node.watch(&fast, &alice, &cid, false).await;

    // 8 MB for a client that reads nothing: more than the kernel buffers between us hold
    let payload = "x".repeat(4000);
    let total = 2000;
    let sender = node.auth.server_token();
    let addr = node.addr;
    let publisher = actix_web::rt::spawn(async move {
        let client = awc::Client::builder().timeout(Duration::from_secs(10)).finish();
        for n in 0..total {
            let body = json!({"event": {"type": "blob", "n": n, "data": payload, "user_id": alice}});
            let res = client
                .post(format!("http://{addr}/channels/livestream/{id}/event?api_key={KEY}"))
                .insert_header(("Authorization", sender.clone()))
                .send_json(&body)
                .await
                .expect("publish answered");
            assert_eq!(res.status().as_u16(), 201);
        }
    });
    // the fast reader receives every event, in order, while the other client is stalled
    for n in 0..total {
        let ev = fast.event("blob").await;
        assert_eq!(ev["n"], n);
    }
    publisher.await.unwrap();
    assert_eq!(node.metric("slow_consumers_closed_total").await, 1, "the stalled client was closed");
    assert!(node.metric("deliveries_dropped_mailbox_full_total").await >= 1);
    // the stalled client, reading now, finds its connection ended after what it was sent
    let tail = actix_web::rt::task::spawn_blocking(move || {
        let mut all = Vec::new();
        let _ = stalled.read_to_end(&mut all);
        all
    })
    .await
    .unwrap();
    assert!(tail.len() < total * 4000, "the stalled client was cut off, not sent everything ({} bytes)", tail.len());
    // and the node cleaned up after it: only alice's watch is left
    let deadline = tokio::time::Instant::now() + WAIT;
    while node.metric("local_connections").await != 1 {
        assert!(tokio::time::Instant::now() < deadline, "stalled session not cleaned up");
        tokio::task::yield_now().await;
    }
    fast.close().await;
    node.stop().await;
}
