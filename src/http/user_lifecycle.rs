//! User lifecycle routes: `POST /users/{id}/deactivate`, `POST /users/deactivate`,
//! `POST /users/{id}/reactivate`, `POST /users/reactivate`, `DELETE /users/{id}` (query options),
//! `POST /users/delete` (a task).

use super::extract::{reply_with, Auth, Body, Data, Reply};
use super::moderation::query_object;
use actix_web::{web, HttpRequest};
use herald_proto::JsonMap;

fn user_value(user: herald_proto::user::User) -> serde_json::Value {
    serde_json::to_value(user).unwrap_or_default()
}

pub async fn deactivate(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>, Body(body): Body<JsonMap>) -> Reply {
    let user = state.chat.deactivate_user(&caller, &id, &body).await?;
    Ok(reply_with(&req, "user", user_value(user)))
}

pub async fn reactivate(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>, Body(body): Body<JsonMap>) -> Reply {
    let user = state.chat.reactivate_user(&caller, &id, &body).await?;
    Ok(reply_with(&req, "user", user_value(user)))
}

pub async fn deactivate_many(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    let task_id = state.chat.change_users(&caller, &body, false).await?;
    Ok(reply_with(&req, "task_id", task_id))
}

pub async fn reactivate_many(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    let task_id = state.chat.change_users(&caller, &body, true).await?;
    Ok(reply_with(&req, "task_id", task_id))
}

pub async fn delete(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>) -> Reply {
    let user = state.chat.delete_user(&caller, &id, &query_object(&req)).await?;
    Ok(reply_with(&req, "user", user_value(user)))
}

pub async fn delete_many(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    let task_id = state.chat.delete_users(&caller, &body).await?;
    Ok(reply_with(&req, "task_id", task_id))
}
