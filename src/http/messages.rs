//! Message and reaction routes: send (`POST /channels/{type}/{id}/message`), get, update, partial
//! update and delete (`/messages/{id}`), react (`POST /messages/{id}/reaction`), remove a
//! reaction (`DELETE /messages/{id}/reaction/{type}`), list reactions (`GET /messages/{id}/reactions`).

use super::extract::{query_map, reply, reply_with, Auth, Body, Cid, Data, Reply};
use crate::error::ApiError;
use actix_web::{web, HttpRequest};
use herald_actors::chat::reactions::ReactionOutcome;
use herald_proto::message::{MessageRequest, PartialMessageRequest, ReactionRequest, REACTIONS_DEFAULT_LIMIT};
use herald_proto::JsonMap;
use std::collections::HashMap;

pub async fn send(req: HttpRequest, state: Data, Auth(caller): Auth, Cid(cid): Cid, Body(body): Body<MessageRequest>) -> Reply {
    let message = state.chat.send_message(&caller, &cid, body).await?;
    Ok(reply_with(&req, "message", message))
}

pub async fn get(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>) -> Reply {
    let message = state.chat.get_message(&caller, &id).await?;
    Ok(reply_with(&req, "message", message))
}

pub async fn update(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>, Body(body): Body<MessageRequest>) -> Reply {
    let message = state.chat.update_message(&caller, &id, body).await?;
    Ok(reply_with(&req, "message", message))
}

pub async fn partial_update(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    id: web::Path<String>,
    Body(body): Body<PartialMessageRequest>,
) -> Reply {
    let message = state.chat.partial_update_message(&caller, &id, body).await?;
    Ok(reply_with(&req, "message", message))
}

/// `?hard=true` hard-deletes; server-side calls may name the deleting user (`deleted_by` or `user_id`).
pub async fn delete(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>) -> Reply {
    let query = query_map(&req);
    let hard = flag(&query, "hard")?;
    let named = query.get("deleted_by").or_else(|| query.get("user_id")).filter(|u| !u.is_empty()).cloned();
    let message = state.chat.delete_message(&caller, &id, hard, named).await?;
    Ok(reply_with(&req, "message", message))
}

pub async fn react(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>, Body(body): Body<ReactionRequest>) -> Reply {
    let outcome = state.chat.send_reaction(&caller, &id, body).await?;
    Ok(reply(&req, outcome_body(outcome)))
}

/// Server-side calls name whose reaction with `?user_id=`.
pub async fn unreact(req: HttpRequest, state: Data, Auth(caller): Auth, path: web::Path<(String, String)>) -> Reply {
    let named = query_map(&req).remove("user_id").filter(|u| !u.is_empty());
    let outcome = state.chat.delete_reaction(&caller, &path.0, &path.1, named).await?;
    Ok(reply(&req, outcome_body(outcome)))
}

/// `?limit=&offset=`, newest first.
pub async fn reactions(req: HttpRequest, state: Data, Auth(caller): Auth, id: web::Path<String>) -> Reply {
    let query = query_map(&req);
    let limit = number(&query, "limit")?.unwrap_or(REACTIONS_DEFAULT_LIMIT);
    let offset = number(&query, "offset")?.unwrap_or(0);
    let reactions = state.chat.list_reactions(&caller, &id, limit, offset).await?;
    Ok(reply_with(&req, "reactions", reactions))
}

fn outcome_body(outcome: ReactionOutcome) -> JsonMap {
    let mut body = JsonMap::new();
    body.insert("message".into(), outcome.message);
    body.insert("reaction".into(), outcome.reaction);
    body
}

/// A boolean query parameter: absent, `true`/`false` or `1`/`0`.
fn flag(query: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match query.get(name).map(String::as_str) {
        None | Some("false" | "0" | "") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(ApiError::input(format!("{name} must be true or false, not {other:?}"))),
    }
}

fn number(query: &HashMap<String, String>, name: &str) -> Result<Option<usize>, ApiError> {
    query
        .get(name)
        .map(|v| v.parse::<usize>().map_err(|_| ApiError::input(format!("{name} must be a whole number, not {v:?}"))))
        .transpose()
}
