//! The socket: handshake, heartbeats, and bad inbound frames (error frame, connection stays open).

use crate::support::*;
use serde_json::json;
use std::time::Duration;

#[actix_web::test]
async fn handshake_is_a_complete_health_check() {
    let node = spawn_node().await;
    let alice = uid("alice");
    let ws = node
        .connect_raw(
            &alice,
            &node.user_token(&alice),
            json!({"user_id": alice, "user_details": {"id": alice, "name": "Alice", "color": "red"}}),
        )
        .await;
    let mut ws = ws;
    let hc = ws.next_json().await.unwrap();
    assert_eq!(hc["type"], "health.check");
    assert!(hc["connection_id"].as_str().is_some_and(|c| c.len() >= 16));
    assert!(hc["created_at"].is_string());
    let me = &hc["me"];
    assert_eq!(me["id"], alice.as_str());
    assert_eq!(me["name"], "Alice");
    assert_eq!(me["color"], "red");
    assert_eq!(me["online"], true);
    for field in ["mutes", "channel_mutes", "devices"] {
        assert!(me[field].is_array(), "me.{field} must be an array: {me}");
    }
    for field in ["total_unread_count", "unread_channels", "unread_count"] {
        assert_eq!(me[field], 0);
    }
    // connecting upserted the user
    let r = node
        .server("GET", &format!("/users?payload={}", urlencode(&json!({"filter_conditions": {"id": {"$in": [alice]}}}).to_string())), None)
        .await;
    assert_eq!(r.body["users"][0]["color"], "red", "{}", r.body);
    // a second connection gets a different connection_id
    let other = node.connect(&alice).await;
    assert_ne!(other.connection_id, hc["connection_id"].as_str().unwrap());
    ws.close().await;
    other.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn every_client_health_check_is_answered() {
    let node = spawn_node().await;
    let mut ws = node.connect(&uid("u")).await;
    for frame in [json!([{"type": "health.check", "client_id": "u--1"}]), json!({"type": "health.check"})] {
        ws.send_text(frame.to_string()).await;
        let hc = ws.event("health.check").await;
        assert_eq!(hc["connection_id"], ws.connection_id.as_str());
        assert_eq!(hc["cid"], "*");
    }
    ws.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn the_server_sends_health_checks_on_its_own() {
    let node = spawn_node_with(|c| {
        c.timing.heartbeat_secs = 1;
        c.timing.client_timeout_secs = 10;
    })
    .await;
    let mut ws = node.connect(&uid("u")).await;
    // no frame sent by the client: the next health.check is the server's own
    let hc = ws.event("health.check").await;
    assert_eq!(hc["connection_id"], ws.connection_id.as_str());
    ws.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn bad_frames_get_error_frames_and_the_connection_stays_open() {
    let node = spawn_node_with(|c| c.limits.max_frame_bytes = 8192).await;
    let mut ws = node.connect(&uid("u")).await;
    let cases: Vec<(String, i64)> = vec![
        ("{not json".into(), 4),
        ("42".into(), 4),
        (json!({"cid": "messaging:x"}).to_string(), 4),
        (json!({"type": "no_cid_here"}).to_string(), 4),
        (json!({"type": "x", "cid": "messaging:x", "pad": "y".repeat(9000)}).to_string(), 22),
    ];
    for (frame, code) in cases {
        ws.send_text(frame.clone()).await;
        let err = ws.event("error").await;
        assert_eq!(err["error"]["code"], code, "frame {frame:.60}: {err}");
        ws.assert_alive().await;
    }
    ws.framed.send_binary(vec![1, 2, 3]).await;
    let err = ws.event("error").await;
    assert_eq!(err["error"]["code"], 4);
    ws.assert_alive().await;
    assert!(node.metric("inbound_frames_rejected_total").await >= 6);
    ws.close().await;
    node.stop().await;
}

/// Small extension so the test reads naturally.
trait SendBinary {
    async fn send_binary(&mut self, bytes: Vec<u8>);
}

impl SendBinary for actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec> {
    async fn send_binary(&mut self, bytes: Vec<u8>) {
        use futures_util::SinkExt;
        self.send(awc::ws::Message::Binary(bytes.into())).await.unwrap();
    }
}

#[actix_web::test]
async fn silent_clients_are_closed_with_a_reconnect_code() {
    let node = spawn_node_with(|c| {
        c.timing.heartbeat_secs = 1;
        c.timing.client_timeout_secs = 2;
    })
    .await;
    let ws = node.connect(&uid("u")).await;
    // this client never answers pings nor sends frames: read raw frames without replying
    let mut framed = ws.framed;
    let code = tokio::time::timeout(Duration::from_secs(10), async {
        use futures_util::StreamExt;
        while let Some(frame) = framed.next().await {
            if let Ok(awc::ws::Frame::Close(reason)) = frame {
                return reason.map(|r| u16::from(r.code));
            }
        }
        None
    })
    .await
    .expect("closed within the timeout");
    assert_eq!(code, Some(herald_proto::close::CLIENT_TIMEOUT));
    assert!(node.metric("clients_timed_out_total").await >= 1);
    node.stop().await;
}
