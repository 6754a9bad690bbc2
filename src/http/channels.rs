//! Channel routes: query (get-or-create, distinct), query channels, update, partial update,
//! delete (one, or many as a task), stop-watching, and the task status a bulk call reports.

use super::extract::{connection_id, reply, reply_with, Auth, Body, Cid, Data, Reply};
use actix_web::{web, HttpRequest};
use herald_proto::api::{
    DeleteChannelsRequest, PartialUpdateChannelRequest, QueryChannelRequest, QueryChannelsRequest, UpdateChannelRequest,
};
use herald_proto::JsonMap;
use serde_json::json;

pub async fn query(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    path: web::Path<(String, String)>,
    Body(body): Body<QueryChannelRequest>,
) -> Reply {
    let conn = connection_id(&req);
    let out = state.chat.query_channel(&caller, &path.0, Some(&path.1), body, conn.as_deref()).await?;
    Ok(reply(&req, out))
}

pub async fn query_distinct(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    kind: web::Path<String>,
    Body(body): Body<QueryChannelRequest>,
) -> Reply {
    let conn = connection_id(&req);
    let out = state.chat.query_channel(&caller, &kind, None, body, conn.as_deref()).await?;
    Ok(reply(&req, out))
}

pub async fn query_channels(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<QueryChannelsRequest>) -> Reply {
    let conn = connection_id(&req);
    let channels = state.chat.query_channels(&caller, body, conn.as_deref()).await?;
    Ok(reply_with(&req, "channels", channels.into_iter().map(serde_json::Value::Object).collect::<Vec<_>>()))
}

pub async fn stop_watching(req: HttpRequest, state: Data, Auth(caller): Auth, Cid(cid): Cid) -> Reply {
    let conn = connection_id(&req);
    state.chat.stop_watching(conn.as_deref(), caller.user_id(), &cid).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn update(req: HttpRequest, state: Data, Auth(caller): Auth, Cid(cid): Cid, Body(body): Body<UpdateChannelRequest>) -> Reply {
    let out = state.chat.update_channel(&caller, &cid, body).await?;
    Ok(reply(&req, out))
}

pub async fn partial_update(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    Cid(cid): Cid,
    Body(body): Body<PartialUpdateChannelRequest>,
) -> Reply {
    let out = state.chat.partial_update_channel(&caller, &cid, body).await?;
    Ok(reply(&req, out))
}

pub async fn delete(req: HttpRequest, state: Data, Auth(caller): Auth, Cid(cid): Cid) -> Reply {
    // `hard_delete` is accepted and has no extra effect: the channel's messages always go with it.
    let channel = state.chat.delete_channel(&caller, &cid).await?;
    Ok(reply_with(&req, "channel", channel))
}

/// `POST /channels/delete`: deletes now and reports it as a completed task (the SDKs expect a `task_id`).
pub async fn delete_many(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<DeleteChannelsRequest>) -> Reply {
    if !caller.is_server() {
        return Err(herald_actors::chat::ChatError::server_only("deleting channels in bulk").into());
    }
    let mut result = JsonMap::new();
    for cid in &body.cids {
        let outcome = match state.chat.delete_channel(&caller, cid).await {
            Ok(_) => json!({"status": "ok"}),
            Err(e) => json!({"status": "error", "error": e.message}),
        };
        result.insert(cid.clone(), outcome);
    }
    let task_id = state.chat.record_task(json!({"status": "completed", "result": result})).await?;
    Ok(reply_with(&req, "task_id", task_id))
}

pub async fn task(req: HttpRequest, state: Data, Auth(_): Auth, id: web::Path<String>) -> Reply {
    let task = state
        .chat
        .task(&id)
        .await?
        .ok_or_else(|| herald_actors::chat::ChatError::not_found(format!("task {:?} does not exist", id.as_str())))?;
    let mut body = match task {
        serde_json::Value::Object(obj) => obj,
        _ => JsonMap::new(),
    };
    body.insert("task_id".into(), id.as_str().into());
    Ok(reply(&req, body))
}
