//! `GET /connect`: the WebSocket upgrade. Authenticates from the query (`api_key`,
//! `authorization`, `json`) or the `Authorization` header, upserts the user from
//! `user_details`, and starts a [`SessionActor`]; a refused socket gets one error frame and
//! close 1000 ([`RejectedSession`]).

use super::extract::{query_map, AppState, Data};
use crate::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use actix_web_actors::ws;
use herald_actors::chat::{Caller, ChatError};
use herald_actors::metrics::Metrics;
use herald_actors::outbound::{SocketFd, SocketHandle, WsBody};
use herald_actors::session::{RejectedSession, SessionActor};
use herald_proto::connect::ConnectPayload;
use herald_proto::limits::MAX_TRANSPORT_FRAME_BYTES;
use herald_proto::user::User;
use herald_proto::ErrorCode;
use std::sync::Arc;

pub async fn connect(req: HttpRequest, stream: web::Payload, state: Data) -> Result<HttpResponse, ApiError> {
    let mut res = ws::handshake(&req).map_err(|e| ApiError::input(format!("GET /connect expects a WebSocket upgrade: {e}")))?;
    let codec = actix_http::ws::Codec::new().max_size(MAX_TRANSPORT_FRAME_BYTES);
    let socket = SocketHandle::new(req.conn_data::<SocketFd>().copied());
    let conn: Arc<str> = Arc::from(uuid::Uuid::new_v4().to_string());
    let accepted = match accept(&req, &state).await {
        Ok(user) => state.chat.handshake(&conn, &user).await.map(|handshake| (user, handshake)),
        Err(e) => Err(e),
    };
    let body = match accepted {
        Ok((user, handshake)) => {
            let actor =
                SessionActor::new(conn, Arc::from(user.id.as_str()), handshake, state.chat.clone(), state.session.clone(), socket.clone());
            res.streaming(WsBody::new(ws::WebsocketContext::with_codec(actor, stream, codec), socket))
        }
        Err(e) => {
            Metrics::incr(&state.metrics.connections_rejected);
            tracing::debug!(error = %e, "socket refused");
            let actor = RejectedSession::new(&e.body());
            res.streaming(ws::WebsocketContext::with_codec(actor, stream, codec))
        }
    };
    Ok(body)
}

/// Who is connecting, after every check; the user is upserted.
async fn accept(req: &HttpRequest, state: &AppState) -> Result<User, ChatError> {
    let query = query_map(req);
    state.auth.check_api_key(query.get("api_key").map(String::as_str)).map_err(|e| e.0)?;
    let auth_type =
        query.get("stream-auth-type").map(String::as_str).or_else(|| req.headers().get("stream-auth-type").and_then(|v| v.to_str().ok()));
    if auth_type == Some("anonymous") {
        return Err(ChatError::new(ErrorCode::AuthFailed, "anonymous users are not enabled on this herald"));
    }
    let token = query
        .get("authorization")
        .filter(|t| !t.is_empty())
        .cloned()
        .or_else(|| req.headers().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned))
        .unwrap_or_default();
    let user_id = match state.auth.verify(&token).map_err(|e| e.0)? {
        Caller::User(id) => id,
        Caller::Server => return Err(ChatError::new(ErrorCode::AuthFailed, "server tokens cannot open a user connection")),
    };
    let payload: ConnectPayload = match query.get("json") {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| ChatError::input(format!("the json query parameter is not a valid connect payload: {e}")))?,
        None => ConnectPayload { user_id: Some(user_id.clone()), user_details: None, client_request_id: None },
    };
    let claimed = payload.claimed_user_id().unwrap_or_else(|| user_id.clone());
    if claimed != user_id {
        return Err(ChatError::new(ErrorCode::AuthFailed, format!("user_id {claimed:?} does not match the token's user_id {user_id:?}")));
    }
    let mut details = payload.user_details.unwrap_or_default();
    match details.get("id").and_then(|v| v.as_str()) {
        Some(id) if id != user_id => {
            return Err(ChatError::new(ErrorCode::AuthFailed, "user_details.id does not match the token's user_id"))
        }
        _ => {
            details.insert("id".into(), user_id.into());
        }
    }
    state.chat.upsert_on_connect(details).await
}
