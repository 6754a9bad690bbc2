//! Channel lifecycle routes: truncate (`POST /channels/{type}/{id}/truncate`), hide and show
//! (`POST /channels/{type}/{id}/hide|show`), mute and unmute channels
//! (`POST /moderation/mute/channel`, `POST /moderation/unmute/channel`). The logic is
//! `herald_actors::chat::lifecycle`.

use super::extract::{cid_of, json_body, reply, Auth, Data};
use crate::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use herald_proto::lifecycle::{HideRequest, MuteChannelRequest, TruncateRequest};
use herald_proto::JsonMap;
use serde::de::DeserializeOwned;

/// An optional body: empty means the defaults.
fn body_or_default<T: DeserializeOwned + Default>(body: &web::Bytes) -> Result<T, ApiError> {
    if body.is_empty() {
        Ok(T::default())
    } else {
        json_body(body)
    }
}

pub async fn truncate(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: TruncateRequest = body_or_default(&body)?;
    let out = state.chat.truncate_channel(&caller, &cid_of(&path), body).await?;
    Ok(reply(&req, out))
}

pub async fn hide(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: HideRequest = body_or_default(&body)?;
    state.chat.hide_channel(&caller, &cid_of(&path), body).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn show(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: HideRequest = body_or_default(&body)?;
    state.chat.show_channel(&caller, &cid_of(&path), body).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn mute_channel(req: HttpRequest, state: Data, Auth(caller): Auth, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let body: MuteChannelRequest = json_body(&body)?;
    let out = state.chat.mute_channels(&caller, body).await?;
    Ok(reply(&req, out))
}

pub async fn unmute_channel(req: HttpRequest, state: Data, Auth(caller): Auth, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let body: MuteChannelRequest = json_body(&body)?;
    state.chat.unmute_channels(&caller, body).await?;
    Ok(reply(&req, JsonMap::new()))
}
