//! `POST /users/block`, `POST /users/unblock`, `GET /users/block` (Stream's paths and bodies:
//! `blocked_user_id`, and `user_id` for server-side calls).

use super::extract::{query_map, reply, reply_with, Auth, Body, Data, Reply};
use actix_web::HttpRequest;
use herald_proto::JsonMap;
use serde_json::Value;

fn field<'a>(body: &'a JsonMap, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

pub async fn block(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    let blocked = field(&body, "blocked_user_id").unwrap_or("");
    let result = state.chat.block_user(&caller, field(&body, "user_id"), blocked).await?;
    let Value::Object(result) = result else { unreachable!("block_user returns an object") };
    Ok(reply(&req, result))
}

pub async fn unblock(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    let blocked = field(&body, "blocked_user_id").unwrap_or("");
    state.chat.unblock_user(&caller, field(&body, "user_id"), blocked).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn list(req: HttpRequest, state: Data, Auth(caller): Auth) -> Reply {
    let query = query_map(&req);
    let blocks = state.chat.blocked_users(&caller, query.get("user_id").map(String::as_str)).await?;
    Ok(reply_with(&req, "blocks", blocks))
}
