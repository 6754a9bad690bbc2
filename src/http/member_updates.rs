//! Partial member update: `PATCH /channels/{type}/{id}/member` (the JS client's
//! `updateMemberPartial`, the member named by `?user_id=` or the caller) and
//! `PATCH /channels/{type}/{id}/member/{user_id}`. The logic is
//! `herald_actors::chat::member_updates`.

use super::extract::{cid_of, json_body, query_map, reply, Auth, Data};
use crate::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use herald_proto::lifecycle::PartialUpdateMemberRequest;

pub async fn partial_update(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: PartialUpdateMemberRequest = json_body(&body)?;
    let named = query_map(&req).get("user_id").filter(|u| !u.is_empty()).cloned();
    let out = state.chat.partial_update_member(&caller, &cid_of(&path), named, body).await?;
    Ok(reply(&req, out))
}

pub async fn partial_update_named(
    req: HttpRequest,
    state: Data,
    Auth(caller): Auth,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: PartialUpdateMemberRequest = json_body(&body)?;
    let (kind, id, user) = path.into_inner();
    let out = state.chat.partial_update_member(&caller, &format!("{kind}:{id}"), Some(user), body).await?;
    Ok(reply(&req, out))
}
