//! Flags: user.flagged / message.flagged to the flagging user's connections only (never the
//! flagged user, nor the channel); the flag lists; unflag; bad input.

use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn flags_reach_the_flagging_user_only_and_are_listed() {
    let node = spawn_node().await;
    let (alice, bob, carol) = (uid("alice"), uid("bob"), uid("carol"));
    let (_, cid) = node.messaging_room(&[&alice, &bob, &carol]).await;
    let msg = node.post_text(&cid, &bob, "rude").await["id"].as_str().unwrap().to_owned();
    let mut a = node.connect(&alice).await;
    node.watch(&a, &alice, &cid, false).await;
    let mut b = node.connect(&bob).await;
    node.watch(&b, &bob, &cid, false).await;
    let mut c = node.connect(&carol).await;
    node.watch(&c, &carol, &cid, false).await;

    let r = node.as_user(&alice, "POST", "/moderation/flag", Some(json!({"target_message_id": msg, "reason": "rude"}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["flag"]["target_message_id"], msg.as_str());
    assert_eq!(r.body["flag"]["user"]["id"], alice.as_str());
    let ev = a.event("message.flagged").await;
    assert_eq!(ev["message"]["id"], msg.as_str());
    assert_eq!(ev["cid"], cid.as_str());
    assert_eq!(ev["user"]["id"], alice.as_str());
    assert_eq!(ev["reason"], "rude");

    let r = node.server("POST", "/moderation/flag", Some(json!({"target_user_id": bob, "user_id": carol, "reason": "spam"}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ev = c.event("user.flagged").await;
    assert_eq!(ev["target_user"]["id"], bob.as_str());
    assert_eq!(ev["user"]["id"], carol.as_str());
    // neither the flagged user nor the other watchers hear of it
    let mark = node.channel_barrier(&cid, &alice).await;
    b.assert_none_before(&mark, &["message.flagged", "user.flagged"]).await;
    let mark = node.channel_barrier(&cid, &alice).await;
    a.assert_none_before(&mark, &["user.flagged"]).await;
    let mark = node.channel_barrier(&cid, &alice).await;
    c.assert_none_before(&mark, &["message.flagged"]).await;

    let payload = urlencode(&json!({"filter_conditions": {"channel_cid": cid}}).to_string());
    let r = node.server("GET", &format!("/moderation/flags/message?payload={payload}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let flags = r.body["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "{}", r.body);
    assert_eq!(flags[0]["message"]["id"], msg.as_str());
    assert_eq!(flags[0]["reason"], "rude");
    let payload = urlencode(&json!({"filter_conditions": {"user_id": bob}}).to_string());
    let r = node.server("GET", &format!("/moderation/flags?payload={payload}"), None).await;
    assert_eq!(r.body["flags"].as_array().unwrap().len(), 2, "the message flag and the user flag: {}", r.body);

    let r = node.as_user(&alice, "POST", "/moderation/unflag", Some(json!({"target_message_id": msg}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = node.server("GET", &format!("/moderation/flags?payload={payload}"), None).await;
    assert_eq!(r.body["flags"].as_array().unwrap().len(), 1, "{}", r.body);
    let r = node.as_user(&alice, "POST", "/moderation/unflag", Some(json!({"target_message_id": msg}))).await;
    assert_eq!(r.status, 404, "nothing left to unflag: {}", r.body);
    for ws in [a, b, c] {
        ws.close().await;
    }
    node.stop().await;
}

#[actix_web::test]
async fn flag_bad_input_and_permissions() {
    let node = spawn_node().await;
    let (alice, bob, eve) = (uid("alice"), uid("bob"), uid("eve"));
    let (_, cid) = node.messaging_room(&[&alice, &bob]).await;
    node.upsert_users(&[&eve]).await;
    let msg = node.post_text(&cid, &bob, "private").await["id"].as_str().unwrap().to_owned();
    let code = |r: &Reply| (r.status, r.body["code"].as_i64().unwrap_or(0));
    let cases = [
        (json!({}), (400, 4)),
        (json!({"target_user_id": bob, "target_message_id": msg}), (400, 4)),
        (json!({"target_user_id": uid("nobody")}), (404, 16)),
        (json!({"target_message_id": uid("nomsg")}), (404, 16)),
        (json!({"target_user_id": eve}), (400, 4)),
    ];
    for (body, want) in cases {
        let r = node.as_user(&eve, "POST", "/moderation/flag", Some(body.clone())).await;
        assert_eq!(code(&r), want, "{body}: {}", r.body);
    }
    // eve cannot read the channel, so cannot flag its messages; nor list flags
    let r = node.as_user(&eve, "POST", "/moderation/flag", Some(json!({"target_message_id": msg}))).await;
    assert_eq!(code(&r), (403, 17), "{}", r.body);
    let r = node.as_user(&eve, "GET", "/moderation/flags", None).await;
    assert_eq!(code(&r), (403, 17), "{}", r.body);
    let r = node.server("POST", "/moderation/flag", Some(json!({"target_user_id": bob}))).await;
    assert_eq!(code(&r), (400, 4), "server calls name the user: {}", r.body);
    node.stop().await;
}
