//! Message reminder routes: `POST`/`PATCH`/`DELETE /messages/{id}/reminders` and
//! `POST /reminders/query`.

use super::extract::{json_body, reply, reply_with, Auth, Data};
use super::moderation::query_object;
use crate::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use herald_proto::JsonMap;

pub async fn create(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let reminder = state.chat.create_reminder(&caller, &id, json_body(&body)?).await?;
    Ok(reply_with(&req, "reminder", reminder))
}

pub async fn update(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let reminder = state.chat.update_reminder(&caller, &id, json_body(&body)?).await?;
    Ok(reply_with(&req, "reminder", reminder))
}

pub async fn delete(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    state.chat.delete_reminder(&caller, &id, query_object(&req)).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn query(req: HttpRequest, state: Data, Auth(caller): Auth, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let reminders = state.chat.query_reminders(&caller, json_body(&body)?).await?;
    Ok(reply_with(&req, "reminders", reminders))
}
