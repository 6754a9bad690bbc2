//! Channel queries: get-or-create with data and members, distinct channels, query channels with
//! cid/type/id/members filters, sort, paging, watch; bulk delete as a task.

use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn get_or_create_returns_a_full_channel_state() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let id = uid("room");
    let body = json!({"data": {"members": [alice, {"user_id": bob, "channel_role": "channel_moderator"}], "created_by": {"id": alice}, "name": "Room", "color": "red"}});
    let r = node.server("POST", &format!("/channels/messaging/{id}/query"), Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ch = &r.body["channel"];
    assert_eq!(ch["cid"], format!("messaging:{id}"));
    assert_eq!((ch["id"].as_str(), ch["type"].as_str()), (Some(id.as_str()), Some("messaging")));
    assert_eq!(ch["name"], "Room");
    assert_eq!(ch["color"], "red");
    assert_eq!(ch["created_by"]["id"], alice.as_str());
    assert_eq!(ch["member_count"], 2);
    assert_eq!(ch["config"]["typing_events"], true);
    assert_eq!(ch["config"]["delivery_events"], false);
    for key in ["messages", "members", "pinned_messages", "read", "watchers", "threads"] {
        assert!(r.body[key].is_array(), "{key}: {}", r.body);
    }
    assert_eq!(r.body["members"][1]["channel_role"], "channel_moderator");
    assert_eq!(r.body["read"][0]["last_read"], "0001-01-01T00:00:00Z");
    // a second query returns the same channel, unchanged by new data
    let r = node
        .as_user(&alice, "POST", &format!("/channels/messaging/{id}/query"), Some(json!({"data": {"name": "Other"}, "state": true})))
        .await;
    assert_eq!(r.body["channel"]["name"], "Room");
    assert!(r.body["channel"]["own_capabilities"].as_array().unwrap().iter().any(|c| c == "send-custom-events"));
    assert_eq!(r.body["membership"]["user_id"], alice.as_str());
    node.stop().await;
}

#[actix_web::test]
async fn creation_rules() {
    let node = spawn_node().await;
    let alice = uid("alice");
    node.upsert_users(&[&alice]).await;
    let r = node.server("POST", &format!("/channels/messaging/{}/query", uid("r")), Some(json!({"data": {"members": [alice]}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("created_by"));
    let r = node
        .server(
            "POST",
            &format!("/channels/messaging/{}/query", uid("r")),
            Some(json!({"data": {"members": [uid("ghost")], "created_by_id": alice}})),
        )
        .await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    let r = node.server("POST", &format!("/channels/nosuchtype/{}/query", uid("r")), Some(json!({"data": {"created_by_id": alice}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (404, Some(16)), "{}", r.body);
    let r = node.server("POST", "/channels/messaging/bad%20id/query", Some(json!({"data": {"created_by_id": alice}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)), "{}", r.body);
    // a user creating a messaging channel may read it (creator) even if not a member
    let r = node.as_user(&alice, "POST", &format!("/channels/messaging/{}/query", uid("r")), Some(json!({"data": {"name": "mine"}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // a non-member reading someone else's messaging channel gets 403/17
    let eve = uid("eve");
    node.upsert_users(&[&eve]).await;
    let id = uid("private");
    node.create_channel("messaging", &id, &[&alice]).await;
    let r = node.as_user(&eve, "POST", &format!("/channels/messaging/{id}/query"), Some(json!({"state": true}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(17)), "{}", r.body);
    node.stop().await;
}

#[actix_web::test]
async fn distinct_channels_are_found_by_their_members() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let r1 = node.as_user(&alice, "POST", "/channels/messaging/query", Some(json!({"data": {"members": [alice, bob]}}))).await;
    assert_eq!(r1.status, 201, "{}", r1.body);
    let id = r1.body["channel"]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("!members-"));
    let r2 = node.as_user(&bob, "POST", "/channels/messaging/query", Some(json!({"data": {"members": [bob, alice]}}))).await;
    assert_eq!(r2.body["channel"]["id"], id.as_str());
    assert_eq!(r2.body["members"].as_array().unwrap().len(), 2);
    let r = node.as_user(&alice, "POST", "/channels/messaging/query", Some(json!({"data": {}}))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)));
    node.stop().await;
}

#[actix_web::test]
async fn query_channels_filters_sorts_pages_and_watches() {
    let node = spawn_node().await;
    let (alice, bob) = (uid("alice"), uid("bob"));
    node.upsert_users(&[&alice, &bob]).await;
    let base = uid("q");
    let ids: Vec<String> = (0..4).map(|i| format!("{base}-{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let members: Vec<&str> = if i % 2 == 0 { vec![&alice, &bob] } else { vec![&alice] };
        node.create_channel(if i == 3 { "team" } else { "messaging" }, id, &members).await;
    }
    let cid = |i: usize| format!("{}:{}", if i == 3 { "team" } else { "messaging" }, ids[i]);
    let query = |filter: serde_json::Value, extra: serde_json::Value| {
        let mut body = json!({"filter_conditions": filter, "sort": [{"field": "cid", "direction": 1}], "state": true});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let cids = |r: &Reply| {
        r.body["channels"].as_array().unwrap().iter().map(|c| c["channel"]["cid"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };

    let r = node.as_user(&alice, "POST", "/channels", Some(query(json!({"cid": {"$in": [cid(0), cid(2)]}}), json!({})))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(cids(&r), vec![cid(0), cid(2)]);
    let r = node.as_user(&alice, "POST", "/channels", Some(query(json!({"cid": cid(1)}), json!({})))).await;
    assert_eq!(cids(&r), vec![cid(1)]);
    let r = node.as_user(&bob, "POST", "/channels", Some(query(json!({"members": {"$in": [bob]}}), json!({})))).await;
    assert_eq!(cids(&r), vec![cid(0), cid(2)]);
    let r = node.as_user(&alice, "POST", "/channels", Some(query(json!({"type": "team", "members": {"$in": [alice]}}), json!({})))).await;
    assert_eq!(cids(&r), vec![cid(3)]);
    let r = node.as_user(&alice, "POST", "/channels", Some(query(json!({"id": {"$in": [ids[1], ids[2]]}}), json!({})))).await;
    assert_eq!(cids(&r), vec![cid(1), cid(2)]);
    // bob cannot see alice-only channels even when asking for them
    let r = node.as_user(&bob, "POST", "/channels", Some(query(json!({"cid": {"$in": [cid(1), cid(2)]}}), json!({})))).await;
    assert_eq!(cids(&r), vec![cid(2)]);
    // paging and descending sort
    let r = node
        .as_user(&alice, "POST", "/channels", Some(json!({"filter_conditions": {"members": {"$in": [alice]}}, "sort": [{"field": "cid", "direction": -1}], "limit": 2, "offset": 1})))
        .await;
    assert_eq!(cids(&r), vec![cid(2), cid(1)]);
    // unsupported operators are a clear 400
    let r = node.as_user(&alice, "POST", "/channels", Some(query(json!({"cid": {"$gt": "a"}}), json!({})))).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (400, Some(4)));
    // watch through query channels (what the JS client does after reconnecting)
    let mut a = node.connect(&alice).await;
    let r = node
        .as_user(
            &alice,
            "POST",
            &format!("/channels?connection_id={}", a.connection_id),
            Some(query(json!({"cid": {"$in": [cid(0)]}}), json!({"watch": true}))),
        )
        .await;
    assert_eq!(r.body["channels"][0]["watcher_count"], 1, "{}", r.body);
    node.channel_event(&cid(0), &bob, json!({"type": "after_reconnect"})).await;
    a.event("after_reconnect").await;
    a.close().await;
    node.stop().await;
}

#[actix_web::test]
async fn bulk_delete_is_a_completed_task() {
    let node = spawn_node().await;
    let alice = uid("alice");
    node.upsert_users(&[&alice]).await;
    let (x, y) = (uid("x"), uid("y"));
    node.create_channel("messaging", &x, &[&alice]).await;
    node.create_channel("messaging", &y, &[&alice]).await;
    let r = node
        .server(
            "POST",
            "/channels/delete",
            Some(json!({"cids": [format!("messaging:{x}"), format!("messaging:{y}")], "hard_delete": true})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let task = r.body["task_id"].as_str().unwrap().to_owned();
    let r = node.server("GET", &format!("/tasks/{task}"), None).await;
    assert_eq!(r.body["status"], "completed", "{}", r.body);
    let r = node.server("POST", "/channels", Some(json!({"filter_conditions": {"cid": {"$in": [format!("messaging:{x}")]}}}))).await;
    assert_eq!(r.body["channels"], json!([]));
    node.stop().await;
}
