//! Exports: a task id at once; export.users.success / export.channels.success to the user who
//! asked (nobody else); the task completes with `result.url`; the file is served by herald at
//! that URL without a token, and not with a wrong secret; permissions and bad input.

use crate::support::*;
use serde_json::{json, Value};

/// GETs an absolute URL with no api_key and no token.
async fn fetch(url: &str) -> (u16, Value) {
    let mut res = awc::Client::new().get(url).send().await.expect("answered");
    let body = res.body().limit(16 << 20).await.expect("body");
    (res.status().as_u16(), serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[actix_web::test]
async fn user_export_completes_and_is_served() {
    let node = spawn_node().await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    node.upsert_users(&[&alice, &bob, &carol]).await;
    let mut a = node.connect(&alice).await;
    let mut b = node.connect(&bob).await;
    let r = node.server("POST", "/export/users", Some(json!({"user_ids": [bob, carol], "user_id": alice}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let task_id = r.body["task_id"].as_str().unwrap().to_owned();
    let ev = a.event("export.users.success").await;
    assert_eq!(ev["task_id"], task_id.as_str());
    let url = ev["url"].as_str().unwrap().to_owned();
    assert!(ev["started_at"].is_string() && ev["finished_at"].is_string(), "{ev}");
    let mark = node.user_barrier(&bob).await;
    b.assert_none_before(&mark, &["export.users.success"]).await;

    let task = node.server("GET", &format!("/tasks/{task_id}"), None).await;
    assert_eq!(task.body["status"], "completed", "{}", task.body);
    assert_eq!(task.body["result"]["url"], url.as_str());
    let (status, file) = fetch(&url).await;
    assert_eq!(status, 200, "{file}");
    let ids: Vec<&str> = file["users"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![bob.as_str(), carol.as_str()]);
    assert_eq!(file["users"][0]["name"], bob.to_uppercase());
    let (status, _) = fetch(&url.replace(".json", "0.json")).await;
    assert_eq!(status, 404, "a wrong secret finds nothing");
    a.close().await;
    b.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn channel_export_holds_members_and_messages() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    let (id, cid) = node.messaging_room(&[&alice, &bob]).await;
    node.post_text(&cid, &bob, "for the record").await;
    // an admin asks with a user token: the event goes to the admin
    let r = node.server("PATCH", "/users", Some(json!({"users": [{"id": alice, "set": {"role": "admin"}}]}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut a = node.connect(&alice).await;
    let r = node.as_user(&alice, "POST", "/export_channels", Some(json!({"channels": [{"type": "messaging", "id": id}]}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let task_id = r.body["task_id"].as_str().unwrap().to_owned();
    let ev = a.event("export.channels.success").await;
    assert_eq!(ev["task_id"], task_id.as_str());
    let status = node.server("GET", &format!("/export_channels/{task_id}"), None).await;
    assert_eq!(status.body["status"], "completed", "{}", status.body);
    let (code, file) = fetch(ev["url"].as_str().unwrap()).await;
    assert_eq!(code, 200, "{file}");
    let exported = &file["channels"][0];
    assert_eq!(exported["channel"]["cid"], cid.as_str());
    assert_eq!(exported["members"].as_array().unwrap().len(), 2);
    assert_eq!(exported["messages"][0]["text"], "for the record");
    a.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn export_permissions_and_bad_input() {
    let node = spawn_node().await;
    let bob = uid("bob");
    node.upsert_users(&[&bob]).await;
    let code = |r: &Reply| (r.status, r.body["code"].as_i64().unwrap_or(0));
    let r = node.as_user(&bob, "POST", "/export/users", Some(json!({"user_ids": [bob]}))).await;
    assert_eq!(code(&r), (403, 17), "{}", r.body);
    let r = node.server("POST", "/export/users", Some(json!({}))).await;
    assert_eq!(code(&r), (400, 4), "{}", r.body);
    let r = node.server("POST", "/export_channels", Some(json!({"channels": [{"type": "messaging", "id": uid("none")}]}))).await;
    assert_eq!(code(&r), (404, 16), "{}", r.body);
    let r = node.server("POST", "/export_channels", Some(json!({"channels": []}))).await;
    assert_eq!(code(&r), (400, 4), "{}", r.body);
    let r = node.server("GET", &format!("/tasks/{}", uid("task")), None).await;
    assert_eq!(code(&r), (404, 16), "{}", r.body);
    node.stop().await;
}
