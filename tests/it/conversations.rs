//! The Vonage-style conversation API (seeds/vonage-custom-event.txt): RS256 application tokens,
//! conversations as channels, member ids, custom events delivered live to watchers of
//! `conversation:{id}` and kept in the conversation's event list; every rule at its boundary.

use crate::support::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::process::Command;
use std::sync::OnceLock;

const APP: &str = "app-herald-test";

/// An RSA key pair (private PEM, public PEM) made once per run with `openssl`.
fn keys() -> &'static (String, String) {
    static KEYS: OnceLock<(String, String)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let run = |args: &[&str], input: Option<&str>| {
            use std::io::Write;
            let mut child = Command::new("openssl")
                .args(args)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("openssl is needed to make a test RSA key (Debian: apt-get install openssl)");
            if let Some(text) = input {
                child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
            }
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "openssl {args:?} failed");
            String::from_utf8(out.stdout).unwrap()
        };
        let private = run(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], None);
        let public = run(&["pkey", "-pubout"], Some(&private));
        (private, public)
    })
}

async fn vonage_node() -> TestNode {
    spawn_node_with(|c| {
        c.vonage_application_id = APP.into();
        c.vonage_public_key = keys().1.clone();
    })
    .await
}

/// An application token as the Vonage SDK makes it, with `extra` claims merged in.
fn app_token(extra: Value) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({"application_id": APP, "iat": now, "exp": now + 900, "jti": uid("jti")});
    claims.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let key = EncodingKey::from_rsa_pem(keys().0.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap()
}

impl TestNode {
    async fn vonage(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.call(method, path, Some(&format!("Bearer {}", app_token(json!({})))), body).await
    }

    /// A conversation with `user` as a member: (conversation id, member id).
    async fn conversation_with(&self, user: &str) -> (String, String) {
        let r = self.vonage("POST", "/v1/conversations", Some(json!({"name": uid("conv"), "display_name": "Test"}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let id = r.body["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("CON-"), "{}", r.body);
        let body = json!({"state": "joined", "user": {"name": user}, "channel": {"type": "app"}});
        let r = self.vonage("POST", &format!("/v1/conversations/{id}/members"), Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["_embedded"]["user"]["id"], user);
        let member = r.body["id"].as_str().unwrap().to_owned();
        assert!(member.starts_with("MEM-"), "{}", r.body);
        (id, member)
    }
}

#[actix_web::test]
async fn custom_events_reach_watchers_and_the_event_list_in_order() {
    let node = vonage_node().await;
    let alice = uid("alice");
    let (id, member) = node.conversation_with(&alice).await;
    let r = node.vonage("GET", &format!("/v0.3/conversations/{id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["display_name"], "Test");
    let cid = format!("conversation:{id}");
    let mut ws = node.connect(&alice).await;
    node.watch(&ws, &alice, &cid, false).await;

    for (n, version) in ["v0.3", "v1", "v1"].iter().enumerate() {
        let body = json!({"type": "custom:friendship_request", "from": member, "body": {"n": n}});
        let r = node.vonage("POST", &format!("/{version}/conversations/{id}/events"), Some(body)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["id"], n + 1);
        let ev = ws.event("custom:friendship_request").await;
        assert_eq!(ev["cid"], cid.as_str());
        assert_eq!(ev["body"]["n"], n);
        assert_eq!(ev["from"], member.as_str());
        assert_eq!(ev["user"]["id"], alice.as_str());
    }

    let r = node.vonage("GET", &format!("/v1/conversations/{id}/events?page_size=2"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ids: Vec<u64> = r.body["_embedded"].as_array().unwrap().iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, vec![1, 2]);
    let next = r.body["_links"]["next"]["href"].as_str().expect("a next page").to_owned();
    assert!(next.starts_with("http://"), "absolute link: {next}");
    let path = &next[next.find("/v1/").unwrap()..];
    let r = node.vonage("GET", path, None).await;
    let page: Vec<&Value> = r.body["_embedded"].as_array().unwrap().iter().collect();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["id"], 3);
    assert_eq!(page[0]["body"]["n"], 2);
    assert!(r.body["_links"].get("next").is_none(), "last page: {}", r.body);
    let r = node.vonage("GET", &format!("/v1/conversations/{id}/events?order=desc"), None).await;
    let ids: Vec<u64> = r.body["_embedded"].as_array().unwrap().iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, vec![3, 2, 1]);
    ws.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn every_rule_is_refused_at_its_boundary() {
    let node = vonage_node().await;
    let alice = uid("alice");
    let (id, member) = node.conversation_with(&alice).await;
    let path = format!("/v1/conversations/{id}/events");
    let send = |kind: String, body: Value| {
        let (node, path, member) = (&node, &path, &member);
        async move { node.vonage("POST", path, Some(json!({"type": kind, "from": member, "body": body}))).await }
    };
    let name_at_limit = "a".repeat(100 - "custom:".len());
    assert_eq!(send(format!("custom:{name_at_limit}"), json!({})).await.status, 200);
    let r = send(format!("custom:{name_at_limit}b"), json!({})).await;
    assert_eq!((r.status, r.body["code"].as_u64()), (400, Some(4)), "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("100 characters"), "{}", r.body);

    let filler = |len: usize| json!({"d": "x".repeat(len - r#"{"d":""}"#.len())});
    assert_eq!(send("custom:big".into(), filler(4096)).await.status, 200);
    let r = send("custom:big".into(), filler(4097)).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("4096 bytes"), "{}", r.body);

    for bad in ["custom:a b", "custom:a.b", "custom:emoji\u{1F600}", "custom:a/b"] {
        let r = send(bad.into(), json!({})).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert!(r.body["message"].as_str().unwrap().contains("alphanumerics"), "{}", r.body);
    }
    for missing in ["friendship_request", "Custom:x", "custom", ""] {
        let r = send(missing.into(), json!({})).await;
        assert_eq!(r.status, 400, "{missing}: {}", r.body);
        assert!(r.body["message"].as_str().unwrap().contains("begin with"), "{}", r.body);
    }

    // from must be a member of this conversation; unknown conversations are 404
    let (other, other_member) = node.conversation_with(&uid("bob")).await;
    let r = node.vonage("POST", &path, Some(json!({"type": "custom:x", "from": other_member}))).await;
    assert_eq!((r.status, r.body["code"].as_u64()), (403, Some(17)), "{}", r.body);
    let r = node.vonage("POST", "/v1/conversations/CON-missing/events", Some(json!({"type": "custom:x", "from": member}))).await;
    assert_eq!((r.status, r.body["code"].as_u64()), (404, Some(16)), "{}", r.body);
    // a token with sub needs from; without sub, from may be left out
    let with_sub = format!("Bearer {}", app_token(json!({"sub": alice})));
    let r = node.call("POST", &path, Some(&with_sub), Some(json!({"type": "custom:x"}))).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("from is required"), "{}", r.body);
    let r = node.vonage("POST", &format!("/v1/conversations/{other}/events"), Some(json!({"type": "custom:x"}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = node.vonage("GET", &format!("/v1/conversations/{id}/events?page_size=100"), None).await;
    assert_eq!(r.body["_embedded"].as_array().unwrap().len(), 2, "only accepted events are stored: {}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn only_the_configured_application_gets_in() {
    let node = vonage_node().await;
    let path = "/v1/conversations";
    let now = chrono::Utc::now().timestamp();
    let key = EncodingKey::from_rsa_pem(keys().0.as_bytes()).unwrap();
    let sign = |claims: Value| format!("Bearer {}", jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap());
    let expired = sign(json!({"application_id": APP, "iat": now - 1000, "exp": now - 100, "jti": "a"}));
    let foreign = sign(json!({"application_id": "someone-else", "iat": now, "exp": now + 60, "jti": "b"}));
    let no_jti = sign(json!({"application_id": APP, "iat": now, "exp": now + 60}));
    let hs256 = format!(
        "Bearer {}",
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &json!({"application_id": APP, "iat": now, "exp": now + 60, "jti": "c"}),
            &EncodingKey::from_secret(SECRET.as_bytes())
        )
        .unwrap()
    );
    for (what, token) in
        [("none", None), ("expired", Some(&expired)), ("foreign", Some(&foreign)), ("no jti", Some(&no_jti)), ("HS256", Some(&hs256))]
    {
        let r = node.call("POST", path, token.map(String::as_str), Some(json!({}))).await;
        assert_eq!(r.status, 401, "{what}: {}", r.body);
    }
    // `herald vonage-token` mints what the API accepts
    let key_file = std::env::temp_dir().join(format!("{}.pem", uid("vonage-key")));
    std::fs::write(&key_file, &keys().0).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["vonage-token", "--application-id", APP, "--private-key"])
        .arg(&key_file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&key_file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let minted = format!("Bearer {}", String::from_utf8(out.stdout).unwrap().trim());
    let r = node.call("POST", path, Some(&minted), Some(json!({"name": "minted"}))).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let off = spawn_node().await; // no application configured: the API is off
    let r = off.vonage("POST", path, Some(json!({}))).await;
    assert_eq!(r.status, 401, "{}", r.body);
    off.stop().await;
    node.stop().await;
}

/// Conversation custom events reach webhooks like every event (seeds/vonage-custom-event.txt).
#[actix_web::test]
async fn conversation_events_reach_webhooks() {
    let node = spawn_node_with(|c| {
        c.vonage_application_id = APP.into();
        c.vonage_public_key = keys().1.clone();
        crate::webhooks::fast_webhooks(c);
    })
    .await;
    let mut hook = crate::webhook_receiver::Receiver::start().await;
    crate::webhooks::set_hooks(&node, json!({"webhook_url": hook.url})).await;
    let alice = uid("alice");
    let (id, member) = node.conversation_with(&alice).await;
    let body = json!({"type": "custom:friendship_request", "from": member, "body": {"n": 7}});
    let r = node.vonage("POST", &format!("/v1/conversations/{id}/events"), Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = hook.wait_for("conversation event", |v| v["type"] == "custom:friendship_request").await;
    assert_eq!(got.header("x-signature"), crate::webhook_receiver::stream_signature(SECRET, &got.body));
    assert_eq!(got.json["cid"], format!("conversation:{id}"));
    assert_eq!(got.json["body"]["n"], 7);
    assert_eq!(got.json["from"], member.as_str());
    hook.stop().await;
    node.stop().await;
}
