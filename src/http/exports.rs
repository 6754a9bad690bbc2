//! Export routes: `POST /export_channels`, `GET /export_channels/{task_id}`, `POST /export/users`,
//! and the export files `GET /exports/{task_id}/{secret}.json` (a capability URL: no token, see
//! `herald_actors::chat::exports`).

use super::extract::{reply_with, Auth, Body, Data, Reply};
use actix_web::{web, HttpRequest, HttpResponse};
use herald_actors::chat::ChatError;
use herald_proto::JsonMap;

/// `scheme://host` as the caller reached this node (export URLs point back at it).
fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

pub async fn export_channels(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    let task_id = state.chat.export_channels(&caller, &body, &base_url(&req)).await?;
    Ok(reply_with(&req, "task_id", task_id))
}

pub async fn export_users(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    let task_id = state.chat.export_users(&caller, &body, &base_url(&req)).await?;
    Ok(reply_with(&req, "task_id", task_id))
}

pub async fn file(state: Data, path: web::Path<(String, String)>) -> Reply {
    let (task, file) = path.into_inner();
    let not_found = || ChatError::not_found("no such export");
    let secret = file.strip_suffix(".json").ok_or_else(not_found)?;
    let document = state.chat.export_file(&task, secret).await?.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(document))
}
