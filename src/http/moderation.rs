//! Moderation routes: bans (`POST`/`DELETE /moderation/ban`, `GET /query_banned_users`), user
//! mutes (`POST /moderation/mute`, `/moderation/unmute`) and flags (`POST /moderation/flag`,
//! `/moderation/unflag`, `GET /moderation/flags/message`, `GET /moderation/flags`).

use super::extract::{query_map, reply, reply_with, Auth, Body, Data, Reply};
use crate::error::ApiError;
use actix_web::HttpRequest;
use herald_proto::JsonMap;
use serde_json::Value;

/// The query string as a JSON object of strings.
pub(super) fn query_object(req: &HttpRequest) -> JsonMap {
    query_map(req).into_iter().map(|(k, v)| (k, Value::String(v))).collect()
}

/// `?payload={…}` as a JSON object (`{}` when absent).
fn payload(req: &HttpRequest) -> Result<JsonMap, ApiError> {
    let raw = query_map(req).remove("payload").unwrap_or_else(|| "{}".into());
    serde_json::from_str(&raw).map_err(|e| ApiError::input(format!("payload is not a JSON object: {e}")))
}

pub async fn ban(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    state.chat.ban_user(&caller, body).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn unban(req: HttpRequest, state: Data, Auth(caller): Auth) -> Reply {
    state.chat.unban_user(&caller, query_object(&req)).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn query_banned(req: HttpRequest, state: Data, Auth(caller): Auth) -> Reply {
    let bans = state.chat.query_banned_users(&caller, payload(&req)?).await?;
    Ok(reply_with(&req, "bans", bans))
}

pub async fn mute(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    let outcome = state.chat.mute_users(&caller, body).await?;
    let mut out = JsonMap::new();
    out.insert("mute".into(), outcome.changed.first().cloned().unwrap_or(Value::Null));
    out.insert("mutes".into(), outcome.changed.into());
    out.insert("own_user".into(), outcome.own_user);
    Ok(reply(&req, out))
}

pub async fn unmute(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    state.chat.unmute_users(&caller, body).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn flag(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    let flag = state.chat.flag(&caller, body).await?;
    Ok(reply_with(&req, "flag", flag))
}

pub async fn unflag(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    let flag = state.chat.unflag(&caller, body).await?;
    Ok(reply_with(&req, "flag", flag))
}

pub async fn message_flags(req: HttpRequest, state: Data, Auth(caller): Auth) -> Reply {
    let flags = state.chat.query_flags(&caller, payload(&req)?, true).await?;
    Ok(reply_with(&req, "flags", flags))
}

pub async fn all_flags(req: HttpRequest, state: Data, Auth(caller): Auth) -> Reply {
    let flags = state.chat.query_flags(&caller, payload(&req)?, false).await?;
    Ok(reply_with(&req, "flags", flags))
}
