//! `POST /users` (upsert), `PATCH /users` (partial update), `GET /users?payload=…` (query).

use super::extract::{query_map, reply_with, Auth, Body, Data, Reply};
use crate::error::ApiError;
use actix_web::HttpRequest;
use herald_proto::api::PartialUpdateUsersRequest;
use herald_proto::JsonMap;
use serde_json::Value;

pub async fn upsert(req: HttpRequest, state: Data, Auth(caller): Auth, Body(mut body): Body<JsonMap>) -> Reply {
    let users = body.remove("users").ok_or_else(|| ApiError::input("users is a required field"))?;
    let users = state.chat.upsert_users(&caller, users).await?;
    Ok(reply_with(&req, "users", serde_json::to_value(users).unwrap_or_default()))
}

pub async fn partial_update(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<PartialUpdateUsersRequest>) -> Reply {
    let users = state.chat.update_users_partial(&caller, body.users).await?;
    Ok(reply_with(&req, "users", serde_json::to_value(users).unwrap_or_default()))
}

pub async fn query(req: HttpRequest, state: Data, Auth(_): Auth) -> Reply {
    let payload = query_map(&req).remove("payload").unwrap_or_else(|| "{}".into());
    let payload: JsonMap = serde_json::from_str(&payload).map_err(|e| ApiError::input(format!("payload is not a JSON object: {e}")))?;
    let filter = match payload.get("filter_conditions") {
        Some(Value::Object(f)) => f.clone(),
        None | Some(Value::Null) => JsonMap::new(),
        Some(_) => return Err(ApiError::input("filter_conditions must be an object")),
    };
    let num = |k: &str| payload.get(k).and_then(Value::as_u64).map(|n| n as usize);
    let users = state.chat.query_users(&filter, num("limit"), num("offset")).await?;
    Ok(reply_with(&req, "users", serde_json::to_value(users).unwrap_or_default()))
}
