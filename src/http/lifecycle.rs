//! Channel lifecycle routes: truncate (`POST /channels/{type}/{id}/truncate`), hide and show
//! (`POST /channels/{type}/{id}/hide|show`), mute and unmute channels
//! (`POST /moderation/mute/channel`, `POST /moderation/unmute/channel`). The logic is
//! `herald_actors::chat::lifecycle`. An empty body is `{}`: every option is optional.

use super::extract::{reply, Auth, Body, Cid, Data, Reply};
use actix_web::HttpRequest;
use herald_proto::lifecycle::{HideRequest, MuteChannelRequest, TruncateRequest};
use herald_proto::JsonMap;

pub async fn truncate(req: HttpRequest, state: Data, Auth(caller): Auth, Cid(cid): Cid, Body(body): Body<TruncateRequest>) -> Reply {
    let out = state.chat.truncate_channel(&caller, &cid, body).await?;
    Ok(reply(&req, out))
}

pub async fn hide(req: HttpRequest, state: Data, Auth(caller): Auth, Cid(cid): Cid, Body(body): Body<HideRequest>) -> Reply {
    state.chat.hide_channel(&caller, &cid, body).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn show(req: HttpRequest, state: Data, Auth(caller): Auth, Cid(cid): Cid, Body(body): Body<HideRequest>) -> Reply {
    state.chat.show_channel(&caller, &cid, body).await?;
    Ok(reply(&req, JsonMap::new()))
}

pub async fn mute_channel(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<MuteChannelRequest>) -> Reply {
    let out = state.chat.mute_channels(&caller, body).await?;
    Ok(reply(&req, out))
}

pub async fn unmute_channel(req: HttpRequest, state: Data, Auth(caller): Auth, Body(body): Body<MuteChannelRequest>) -> Reply {
    state.chat.unmute_channels(&caller, body).await?;
    Ok(reply(&req, JsonMap::new()))
}
