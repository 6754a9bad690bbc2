//! Read-state routes: mark a channel read (`POST /channels/{type}/{id}/read`), mark it unread
//! from a message (`POST /channels/{type}/{id}/unread`), mark every channel read
//! (`POST /channels/read`). The logic is `herald_actors::chat::reads`.

use super::extract::{reply, reply_with, Auth, Body, Cid, Data, Reply};
use actix_web::HttpRequest;
use herald_proto::read::{MarkChannelsReadRequest, MarkReadRequest};
use herald_proto::JsonMap;

/// Replies `{event: message.read}`.
pub async fn mark_read(req: HttpRequest, state: Data, Auth(caller): Auth, Cid(cid): Cid, Body(body): Body<MarkReadRequest>) -> Reply {
    let event = state.chat.mark_read(&caller, &cid, body).await?;
    Ok(reply_with(&req, "event", serde_json::Value::Object(event)))
}

pub async fn mark_unread(req: HttpRequest, state: Data, Auth(caller): Auth, Cid(cid): Cid, Body(body): Body<MarkReadRequest>) -> Reply {
    state.chat.mark_unread(&caller, &cid, body).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn mark_channels_read(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<MarkChannelsReadRequest>) -> Reply {
    state.chat.mark_channels_read(&caller, body).await?;
    Ok(reply(&req, JsonMap::new()))
}
