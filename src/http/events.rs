//! `POST /channels/{type}/{id}/event` and `POST /users/{id}/event`.

use super::extract::{cid_of, json_body, reply_with, Auth, Data};
use crate::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use herald_proto::api::SendEventRequest;

pub async fn channel_event(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: SendEventRequest = json_body(&body)?;
    let event = state.chat.send_channel_event(&caller, &cid_of(&path), body.event).await?;
    Ok(reply_with(&req, "event", event))
}

pub async fn user_event(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: SendEventRequest = json_body(&body)?;
    let event = state.chat.send_user_event(&caller, &path, body.event).await?;
    Ok(reply_with(&req, "event", event))
}
