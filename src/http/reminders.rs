//! Message reminder routes: `POST`/`PATCH`/`DELETE /messages/{id}/reminders` and
//! `POST /reminders/query`.

use super::extract::{reply, reply_with, Auth, Body, Data, Reply};
use super::moderation::query_object;
use actix_web::{web, HttpRequest};
use herald_proto::JsonMap;

pub async fn create(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>, Body(body): Body<JsonMap>) -> Reply {
    let reminder = state.chat.create_reminder(&caller, &id, body).await?;
    Ok(reply_with(&req, "reminder", reminder))
}

pub async fn update(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>, Body(body): Body<JsonMap>) -> Reply {
    let reminder = state.chat.update_reminder(&caller, &id, body).await?;
    Ok(reply_with(&req, "reminder", reminder))
}

pub async fn delete(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>) -> Reply {
    state.chat.delete_reminder(&caller, &id, query_object(&req)).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn query(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    let reminders = state.chat.query_reminders(&caller, body).await?;
    Ok(reply_with(&req, "reminders", reminders))
}
