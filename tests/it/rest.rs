//! Users and channel types over REST: upsert, partial update, query, self-service limits;
//! channel type CRUD and the built-in types.

use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn users_upsert_update_and_query() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let r = node.server("POST", "/users", Some(json!({"users": {alice.clone(): {"id": alice, "name": "Alice", "online": true}, bob.clone(): {"id": bob, "role": "admin"}}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["users"][&alice]["name"], "Alice");
    assert_eq!(r.body["users"][&alice]["online"], false, "online is managed by herald");
    assert_eq!(r.body["users"][&alice]["role"], "user");
    assert_eq!(r.body["users"][&bob]["role"], "admin");
    // upsert replaces custom data
    let r = node.server("POST", "/users", Some(json!({"users": {alice.clone(): {"id": alice, "color": "red"}}}))).await;
    assert!(r.body["users"][&alice].get("name").is_none(), "{}", r.body);
    let r = node.server("PATCH", "/users", Some(json!({"users": [{"id": alice, "set": {"name": "A"}, "unset": ["color"]}]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["users"][&alice]["name"], "A");
    assert!(r.body["users"][&alice].get("color").is_none());
    let payload = json!({"filter_conditions": {"id": {"$in": [alice, bob, "nobody"]}}}).to_string();
    let r = node.server("GET", &format!("/users?payload={}", urlencode(&payload)), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["users"].as_array().unwrap().len(), 2);
    let payload = json!({"filter_conditions": {"role": "admin", "id": {"$in": [alice, bob]}}}).to_string();
    let r = node.server("GET", &format!("/users?payload={}", urlencode(&payload)), None).await;
    assert_eq!(r.body["users"][0]["id"], bob.as_str());
    // users may update themselves but not others, nor their role
    let r = node.as_user(&alice, "POST", "/users", Some(json!({"users": {alice.clone(): {"id": alice, "name": "me"}}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = node.as_user(&alice, "POST", "/users", Some(json!({"users": {bob.clone(): {"id": bob}}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)));
    let r = node.as_user(&alice, "PATCH", "/users", Some(json!({"users": [{"id": alice, "set": {"role": "admin"}}]}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)));
    // bad input
    let r = node.server("POST", "/users", Some(json!({"users": {"x y": {"id": "x y"}}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)));
    let r = node.server("PATCH", "/users", Some(json!({"users": [{"id": uid("ghost"), "set": {}}]}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)));
    node.stop().await;
}

#[actix_web::test]
async fn channel_types_crud_and_built_ins() {
    let node = spawn_node().await;
    let r = node.server("GET", "/channeltypes", None).await;
    assert_eq!(r.status, 200);
    for t in ["messaging", "livestream", "team", "gaming", "commerce"] {
        assert_eq!(r.body["channel_types"][t]["name"], t, "{}", r.body);
    }
    assert_eq!(r.body["channel_types"]["livestream"]["read_access"], "anyone");
    let name = uid("t").replace('-', "_");
    let r = node
        .server("POST", "/channeltypes", Some(json!({"name": name, "typing_events": false, "grants": {"user": ["read-channel"]}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["typing_events"], false);
    assert_eq!(r.body["custom_events"], true);
    let r = node.server("POST", "/channeltypes", Some(json!({"name": name}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "duplicate");
    let r = node.server("PUT", &format!("/channeltypes/{name}"), Some(json!({"typing_events": true}))).await;
    assert_eq!(r.body["typing_events"], true);
    let r = node.server("PUT", &format!("/channeltypes/{name}"), Some(json!({"typing_events": "yes"}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)));
    let r = node.as_user("someone", "GET", &format!("/channeltypes/{name}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = node.server("DELETE", &format!("/channeltypes/{name}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = node.server("GET", &format!("/channeltypes/{name}"), None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)));
    // a type with channels cannot be deleted
    let alice = uid("alice");
    node.upsert_users(&[&alice]).await;
    node.create_channel("team", &uid("r"), &[&alice]).await;
    let r = node.server("DELETE", "/channeltypes/team", None).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)));
    node.stop().await;
}

#[actix_web::test]
async fn hi_and_health_endpoints() {
    let node = spawn_node().await;
    let r = node.call("GET", "/hi", None, None).await;
    assert_eq!(r.status, 200);
    assert!(r.body["duration"].is_string());
    let r = node.call("GET", "/healthz", None, None).await;
    assert_eq!(r.status, 200);
    let r = node.call("GET", "/readyz", None, None).await;
    assert_eq!(r.status, 200);
    node.stop().await;
}

#[actix_web::test]
async fn bodies_over_the_limit_get_413_code_22_in_the_envelope() {
    let node = spawn_node().await;
    let alice = uid("alice");
    node.upsert_users(&[&alice]).await;
    let (id, cid) = node.messaging_room(&[&alice]).await;
    let big = "x".repeat(300 * 1024); // limits.max_body_bytes is 256 KiB
    let calls = [("POST", format!("/channels/messaging/{id}/message")), ("POST", "/users".to_owned()), ("PATCH", "/app".to_owned())];
    for (method, path) in calls {
        let r = node.server(method, &path, Some(json!({"message": {"text": big}, "user_id": alice}))).await;
        assert_eq!((r.status, r.body["code"].as_i64()), (413, Some(22)), "{method} {path}: {}", r.body);
        assert_eq!(r.content_type, "application/json", "{method} {path}");
        assert!(r.body["message"].as_str().unwrap().contains("limits.max_body_bytes"), "{}", r.body);
        assert_eq!(r.body["StatusCode"], 413, "{}", r.body);
    }
    // the node goes on serving
    let m = node.post_text(&cid, &alice, "still here").await;
    assert_eq!(m["text"], "still here");
    node.stop().await;
}
