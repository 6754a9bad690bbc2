//! Shared handler plumbing: the app state, the extractors handlers take (the authenticated
//! caller [`Auth`], a lenient JSON [`Body`], the channel [`Cid`] of `{type}/{id}` routes), query
//! parameters and replies with `duration`.

use super::timing::{duration_since, Started};
use crate::auth::Authenticator;
use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use herald_actors::chat::{Caller, Chat};
use herald_actors::metrics::Metrics;
use herald_actors::session::SessionConfig;
use herald_proto::JsonMap;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::HashMap;
use std::future::{ready, Ready};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// What every handler can reach.
pub struct AppState {
    pub chat: Chat,
    pub auth: Authenticator,
    pub metrics: Arc<Metrics>,
    pub session: SessionConfig,
    /// Set when the node is shutting down: /readyz answers 503.
    pub draining: Arc<AtomicBool>,
    pub node_id: String,
    /// The Vonage-style conversation API's verifier (None: that API is off).
    pub vonage: Option<crate::vonage_auth::VonageAuth>,
    /// The node's webhook service (settings reload, dead letters).
    pub webhooks: crate::webhooks::Webhooks,
}

/// The query string as a map (first value wins).
pub fn query_map(req: &HttpRequest) -> HashMap<String, String> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| {
            let mut map = HashMap::new();
            for (k, v) in q.into_inner() {
                map.entry(k).or_insert(v);
            }
            map
        })
        .unwrap_or_default()
}

/// An authenticated caller: `api_key` checked, token verified.
pub struct Auth(pub Caller);

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Ready<Result<Auth, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<Auth, ApiError> {
    let state = req.app_data::<web::Data<AppState>>().expect("AppState is registered");
    let query = query_map(req);
    state.auth.check_api_key(query.get("api_key").map(String::as_str))?;
    let anonymous = req.headers().get("stream-auth-type").and_then(|v| v.to_str().ok()) == Some("anonymous");
    if anonymous {
        return Err(ApiError::new(herald_proto::ErrorCode::AuthFailed, "anonymous users are not enabled on this herald"));
    }
    let token = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    Ok(Auth(state.auth.verify(token)?))
}

/// Parses a JSON body; an empty body is `{}`. Errors are 400 code 4 naming the problem.
pub fn json_body<T: DeserializeOwned>(body: &web::Bytes) -> Result<T, ApiError> {
    let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    serde_json::from_slice(bytes).map_err(|e| ApiError::input(format!("invalid JSON body: {e}")))
}

/// A JSON object reply with `duration`; 201 for POST, 200 otherwise (Stream's convention).
pub fn reply(req: &HttpRequest, mut body: JsonMap) -> HttpResponse {
    let started = req.extensions().get::<Started>().copied();
    body.insert("duration".into(), duration_since(started).into());
    let status = if req.method() == actix_web::http::Method::POST { StatusCode::CREATED } else { StatusCode::OK };
    HttpResponse::build(status).json(body)
}

/// `reply` with a single field.
pub fn reply_with(req: &HttpRequest, key: &str, value: impl Into<serde_json::Value>) -> HttpResponse {
    let mut body = JsonMap::new();
    body.insert(key.into(), value.into());
    reply(req, body)
}

/// The `connection_id` query parameter, if any.
pub fn connection_id(req: &HttpRequest) -> Option<String> {
    query_map(req).remove("connection_id").filter(|c| !c.is_empty())
}

/// What a handler returns.
pub type Reply = Result<HttpResponse, ApiError>;

pub type Data = web::Data<AppState>;

/// The raw request body. The bytes come from actix's `web::Bytes` extractor, so the app's
/// `PayloadConfig` limit (`limits.max_body_bytes`) applies; its refusals are answered in the
/// Stream error envelope: 413 code 22 for a body over the limit, 400 code 4 for one that could
/// not be read.
pub struct RawBody(pub web::Bytes);

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<RawBody, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move { bytes.await.map(RawBody).map_err(|e| body_error(&e)) })
    }
}

fn body_error(e: &actix_web::Error) -> ApiError {
    if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(herald_proto::ErrorCode::PayloadTooBig, format!("the request body is larger than limits.max_body_bytes ({e})"))
    } else {
        ApiError::input(format!("could not read the request body: {e}"))
    }
}

/// A JSON body ([`RawBody`]) parsed with [`json_body`] (empty or whitespace only is `{}`).
pub struct Body<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Body<T>, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw = RawBody::from_request(req, payload);
        Box::pin(async move { Ok(Body(json_body(&raw.await?.0)?)) })
    }
}

/// The `{type}/{id}` path parameters as a cid (`type:id`), percent-decoded as `web::Path` does.
pub struct Cid(pub String);

#[derive(Deserialize)]
struct CidParams {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

impl FromRequest for Cid {
    type Error = ApiError;
    type Future = Ready<Result<Cid, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let params = req.match_info().load::<CidParams>();
        ready(
            params
                .map(|p| Cid(format!("{}:{}", p.kind, p.id)))
                .map_err(|e| ApiError::input(format!("this route names no channel ({{type}}/{{id}}): {e}"))),
        )
    }
}
