//! Authentication on REST and on the socket: api_key, token codes 2/5/40/41/42/43, server-only
//! endpoints, error envelope and content type, CORS preflight.

use crate::support::*;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

fn sign(claims: Value, secret: &str) -> String {
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn assert_envelope(r: &Reply, status: u16, code: i64) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["code"], code, "{}", r.body);
    assert_eq!(r.body["StatusCode"], status as i64);
    assert!(r.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(r.body["duration"].as_str().is_some_and(|d| d.ends_with("ms")));
    assert!(r.body["more_info"].is_string());
    assert_eq!(r.body["details"], json!([]));
    assert!(r.content_type.starts_with("application/json"), "{}", r.content_type);
}

#[actix_web::test]
async fn rest_token_errors_carry_stream_codes() {
    let node = spawn_node().await;
    let now = chrono::Utc::now().timestamp();
    let cases = [
        (None, 401, 5),
        (Some(sign(json!({"user_id": "a", "exp": now - 60}), SECRET)), 401, 40),
        (Some(sign(json!({"user_id": "a", "nbf": now + 600}), SECRET)), 401, 41),
        (Some(sign(json!({"user_id": "a", "iat": now + 600}), SECRET)), 401, 42),
        (Some(sign(json!({"user_id": "a"}), "wrong-secret")), 401, 43),
        (Some("garbage".to_string()), 401, 5),
    ];
    for (token, status, code) in cases {
        let r = node.call("GET", "/channeltypes", token.as_deref(), None).await;
        assert_envelope(&r, status, code);
    }
    let client = awc::Client::new();
    let mut res = client
        .get(format!("http://{}/channeltypes?api_key=wrong", node.addr))
        .insert_header(("Authorization", node.auth.server_token()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], 2);
    node.stop().await;
}

#[actix_web::test]
async fn server_only_endpoints_refuse_user_tokens() {
    let node = spawn_node().await;
    let alice = uid("alice");
    node.upsert_users(&[&alice]).await;
    let r = node.as_user(&alice, "POST", "/channeltypes", Some(json!({"name": uid("t")}))).await;
    assert_envelope(&r, 403, 17);
    let r = node.as_user(&alice, "POST", &format!("/users/{alice}/event"), Some(json!({"event": {"type": "x"}}))).await;
    assert_envelope(&r, 403, 17);
    let r = node.server("POST", "/channeltypes", Some(json!({"name": uid("t")}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn unknown_paths_and_bad_bodies_are_json_envelopes() {
    let node = spawn_node().await;
    let r = node.server("GET", "/no/such/path", None).await;
    assert_envelope(&r, 404, 16);
    let client = awc::Client::new();
    let mut res = client
        .post(node.url("/users"))
        .insert_header(("Authorization", node.auth.server_token()))
        .insert_header(("content-type", "application/json"))
        .send_body("{not json")
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], 4);
    node.stop().await;
}

#[actix_web::test]
async fn cors_preflight_allows_the_sdk_headers() {
    let node = spawn_node().await;
    let client = awc::Client::new();
    let res = client
        .request(awc::http::Method::OPTIONS, node.url("/channels"))
        .insert_header(("Origin", "http://localhost:5173"))
        .insert_header(("Access-Control-Request-Method", "POST"))
        .insert_header((
            "Access-Control-Request-Headers",
            "authorization,stream-auth-type,x-stream-client,x-client-request-id,content-type",
        ))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let allow_origin = res.headers().get("access-control-allow-origin").expect("allow-origin").to_str().unwrap();
    assert!(allow_origin == "*" || allow_origin == "http://localhost:5173");
    let allowed = res.headers().get("access-control-allow-headers").expect("allow-headers").to_str().unwrap().to_ascii_lowercase();
    for h in ["authorization", "stream-auth-type", "x-stream-client", "x-client-request-id", "content-type"] {
        assert!(allowed.contains(h), "{h} not in {allowed}");
    }
    node.stop().await;
}

#[actix_web::test]
async fn socket_auth_failures_send_an_error_frame_then_close_1000() {
    let node = spawn_node().await;
    let now = chrono::Utc::now().timestamp();
    let expired = sign(json!({"user_id": "bob", "exp": now - 60}), SECRET);
    for (token, user, code) in
        [(expired, "bob", 40), (sign(json!({"user_id": "bob"}), "nope"), "bob", 43), (node.user_token("bob"), "mallory", 5)]
    {
        let mut ws = node.connect_raw(user, &token, json!({"user_id": user, "user_details": {"id": user}})).await;
        let frame = ws.next_json().await.expect("error frame");
        assert_eq!(frame["error"]["code"], code, "{frame}");
        assert_eq!(frame["error"]["StatusCode"], 401);
        assert_eq!(ws.closed().await, Some(1000));
    }
    assert!(node.metric("connections_rejected_total").await >= 3);
    node.stop().await;
}
