//! `GET /app`, `PATCH /app` (webhook settings, server only) and herald's
//! `GET /webhooks/dead_letters` (deliveries given up after their last attempt) and
//! `POST /webhooks/dead_letters/replay` (queue them again), server only.

use super::extract::{json_body, query_map, reply, reply_with, Auth, Data, RawBody, Reply};
use crate::error::ApiError;
use crate::webhooks::settings::{view, SettingsPatch};
use actix_web::HttpRequest;
use herald_actors::chat::{Caller, ChatError};
use herald_proto::JsonMap;

fn server_only(caller: &Caller, what: &str) -> Result<(), ApiError> {
    if caller.is_server() {
        Ok(())
    } else {
        Err(ChatError::server_only(what).into())
    }
}

pub async fn get(req: HttpRequest, state: Data, Auth(caller): Auth) -> Reply {
    server_only(&caller, "reading the app settings")?;
    let settings = state.chat.store().app_settings().await.map_err(ChatError::from)?.unwrap_or_default();
    Ok(reply_with(&req, "app", view(&settings, state.webhooks.api_key())))
}

/// The body is read only after the caller is known to be the server (a client's bad body is a 403).
pub async fn patch(req: HttpRequest, state: Data, Auth(caller): Auth, RawBody(body): RawBody) -> Reply {
    server_only(&caller, "changing the app settings")?;
    let body: JsonMap = json_body(&body)?;
    let patch = SettingsPatch::parse(&body)?;
    let settings = state.chat.store().update_app_settings(&|current| Some(patch.apply(current))).await.map_err(ChatError::from)?;
    state.webhooks.apply(&settings);
    state.webhooks.reload().await;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn dead_letters(req: HttpRequest, state: Data, Auth(caller): Auth) -> Reply {
    server_only(&caller, "listing webhook dead letters")?;
    let limit = query_map(&req).get("limit").and_then(|l| l.parse().ok()).unwrap_or(100usize).min(1000);
    let letters = state.webhooks.dead_letters(limit).await.map_err(queue_unavailable)?;
    Ok(reply_with(&req, "dead_letters", serde_json::to_value(letters).unwrap_or_default()))
}

/// `{"ids": [job ids]}` (missing or empty: every dead letter) → `{"replayed": [job ids]}`.
pub async fn replay_dead_letters(req: HttpRequest, state: Data, Auth(caller): Auth, RawBody(body): RawBody) -> Reply {
    server_only(&caller, "replaying webhook dead letters")?;
    let body: ReplayRequest = json_body(&body)?;
    let replayed = state.webhooks.replay_dead_letters(&body.ids.unwrap_or_default()).await.map_err(queue_unavailable)?;
    Ok(reply_with(&req, "replayed", replayed))
}

#[derive(serde::Deserialize)]
struct ReplayRequest {
    #[serde(default)]
    ids: Option<Vec<String>>,
}

fn queue_unavailable(e: crate::webhooks::queue::QueueError) -> ApiError {
    tracing::error!(error = %e, "webhook queue unavailable");
    ApiError::new(herald_proto::ErrorCode::Unavailable, "the webhook queue is unavailable, try again")
}
