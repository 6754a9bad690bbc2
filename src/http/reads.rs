//! Read-state routes: mark a channel read (`POST /channels/{type}/{id}/read`), mark it unread
//! from a message (`POST /channels/{type}/{id}/unread`), mark every channel read
//! (`POST /channels/read`). The logic is `herald_actors::chat::reads`.

use super::extract::{cid_of, json_body, reply, reply_with, Auth, Data};
use crate::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use herald_proto::read::{MarkChannelsReadRequest, MarkReadRequest};
use herald_proto::JsonMap;

/// Replies `{event: message.read}`.
pub async fn mark_read(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: MarkReadRequest = if body.is_empty() { MarkReadRequest::default() } else { json_body(&body)? };
    let event = state.chat.mark_read(&caller, &cid_of(&path), body).await?;
    Ok(reply_with(&req, "event", serde_json::Value::Object(event)))
}

pub async fn mark_unread(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: MarkReadRequest = json_body(&body)?;
    state.chat.mark_unread(&caller, &cid_of(&path), body).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn mark_channels_read(req: HttpRequest, state: Data, Auth(caller): Auth, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let body: MarkChannelsReadRequest = if body.is_empty() { MarkChannelsReadRequest::default() } else { json_body(&body)? };
    state.chat.mark_channels_read(&caller, body).await?;
    Ok(reply(&req, JsonMap::new()))
}
