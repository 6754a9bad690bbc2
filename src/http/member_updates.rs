//! Partial member update: `PATCH /channels/{type}/{id}/member` (the JS client's
//! `updateMemberPartial`, the member named by `?user_id=` or the caller) and
//! `PATCH /channels/{type}/{id}/member/{user_id}`. The logic is
//! `herald_actors::chat::member_updates`.

use super::extract::{query_map, reply, Auth, Body, Cid, Data, Reply};
use actix_web::{web, HttpRequest};
use herald_proto::lifecycle::PartialUpdateMemberRequest;
use serde::Deserialize;

/// The `{user_id}` of `…/member/{user_id}`.
#[derive(Deserialize)]
pub struct NamedMember {
    user_id: String,
}

pub async fn partial_update(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    Cid(cid): Cid,
    Body(body): Body<PartialUpdateMemberRequest>,
) -> Reply {
    let named = query_map(&req).get("user_id").filter(|u| !u.is_empty()).cloned();
    let out = state.chat.partial_update_member(&caller, &cid, named, body).await?;
    Ok(reply(&req, out))
}

pub async fn partial_update_named(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    Cid(cid): Cid,
    named: web::Path<NamedMember>,
    Body(body): Body<PartialUpdateMemberRequest>,
) -> Reply {
    let out = state.chat.partial_update_member(&caller, &cid, Some(named.into_inner().user_id), body).await?;
    Ok(reply(&req, out))
}
