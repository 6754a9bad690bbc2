//! `POST /channels/{type}/{id}/event` and `POST /users/{id}/event`.

use super::extract::{reply_with, Auth, Body, Cid, Data, Reply};
use actix_web::{web, HttpRequest};
use herald_proto::api::SendEventRequest;

pub async fn channel_event(req: HttpRequest, state: Data, Auth(caller): Auth, Cid(cid): Cid, Body(body): Body<SendEventRequest>) -> Reply {
    let event = state.chat.send_channel_event(&caller, &cid, body.event).await?;
    Ok(reply_with(&req, "event", event))
}

pub async fn user_event(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    id: web::Path<String>,
    Body(body): Body<SendEventRequest>,
) -> Reply {
    let event = state.chat.send_user_event(&caller, &id, body.event).await?;
    Ok(reply_with(&req, "event", event))
}
