//! `/channeltypes`: list, get, create, update, delete.

use super::extract::{reply, reply_with, Auth, Body, Data, Reply};
use actix_web::{web, HttpRequest};
use herald_proto::channel::ChannelTypeConfig;
use herald_proto::JsonMap;

fn as_body(config: &ChannelTypeConfig) -> JsonMap {
    match serde_json::to_value(config) {
        Ok(serde_json::Value::Object(obj)) => obj,
        _ => JsonMap::new(),
    }
}

pub async fn list(req: HttpRequest, state: Data, Auth(_): Auth) -> Reply {
    let types = state.chat.list_channel_types().await?;
    let map: JsonMap = types.iter().map(|t| (t.name.clone(), serde_json::Value::Object(as_body(t)))).collect();
    Ok(reply_with(&req, "channel_types", map))
}

pub async fn get(req: HttpRequest, state: Data, Auth(_): Auth, name: web::Path<String>) -> Reply {
    Ok(reply(&req, as_body(&state.chat.channel_type(&name).await?)))
}

pub async fn create(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<JsonMap>) -> Reply {
    Ok(reply(&req, as_body(&state.chat.create_channel_type(&caller, &body).await?)))
}

pub async fn update(req: HttpRequest, state: Data, Auth(caller): Auth, name: web::Path<String>, Body(body): Body<JsonMap>) -> Reply {
    Ok(reply(&req, as_body(&state.chat.update_channel_type(&caller, &name, &body).await?)))
}

pub async fn delete(req: HttpRequest, state: Data, Auth(caller): Auth, name: web::Path<String>) -> Reply {
    state.chat.delete_channel_type(&caller, &name).await?;
    Ok(reply(&req, JsonMap::new()))
}
