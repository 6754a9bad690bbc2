//! The Vonage-style conversation API, mounted under `/v0.3` and `/v1` alike: create and get a
//! conversation, add a member, add a custom event, list events. Shapes follow Vonage's
//! (`_embedded`, absolute `_links`, `timestamp`), as the official `@vonage/server-sdk` reads
//! them; errors are herald's Stream envelope (the status is what the SDK acts on).

use super::extract::{json_body, query_map, Data, RawBody};
use crate::error::ApiError;
use crate::vonage_auth::VonageCaller;
use actix_web::{web, HttpRequest, HttpResponse};
use herald_actors::chat::conversations::{ConversationMember, NewConversationEvent};
use herald_proto::channel::ChannelRecord;
use herald_proto::{ErrorCode, JsonMap};
use serde_json::{json, Value};

/// Default and largest `page_size` of the event list.
const PAGE_SIZE: usize = 10;
const MAX_PAGE_SIZE: usize = 100;

/// Mounts the routes under `prefix` (`/v0.3` or `/v1`).
pub fn mount(cfg: &mut web::ServiceConfig, prefix: &str) {
    cfg.service(
        web::scope(prefix)
            .route("/conversations", web::post().to(create))
            .route("/conversations/{id}", web::get().to(get))
            .route("/conversations/{id}/members", web::post().to(add_member))
            .route("/conversations/{id}/events", web::post().to(create_event))
            .route("/conversations/{id}/events", web::get().to(list_events)),
    );
}

fn caller(req: &HttpRequest, state: &Data) -> Result<VonageCaller, ApiError> {
    let auth = state.vonage.as_ref().ok_or_else(|| {
        ApiError::new(ErrorCode::AuthFailed, "the conversation API is off: set HERALD_VONAGE_APPLICATION_ID and HERALD_VONAGE_PUBLIC_KEY")
    })?;
    auth.verify(req.headers().get("authorization").and_then(|v| v.to_str().ok()))
}

/// `scheme://host` of the request, for absolute `_links`.
fn origin(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

fn link(href: String) -> Value {
    json!({"href": href})
}

fn conversation_json(req: &HttpRequest, c: &ChannelRecord) -> Value {
    let mut out = c.custom.clone();
    out.insert("id".into(), c.id.clone().into());
    out.insert("state".into(), "ACTIVE".into());
    out.insert("timestamp".into(), json!({"created": c.created_at, "updated": c.updated_at}));
    out.insert("_links".into(), json!({"self": link(format!("{}{}", origin(req), path_of(req, &c.id, "")))}));
    Value::Object(out)
}

/// `/{version}/conversations/{id}{rest}` under the version the request used.
fn path_of(req: &HttpRequest, id: &str, rest: &str) -> String {
    let version = req.path().split('/').nth(1).unwrap_or("v1");
    format!("/{version}/conversations/{id}{rest}")
}

fn member_json(req: &HttpRequest, conversation: &str, m: &ConversationMember) -> Value {
    let mid = m.member_id();
    let name = m.user.custom.get("name").and_then(Value::as_str).unwrap_or(&m.user.id);
    json!({
        "id": mid,
        "conversation_id": conversation,
        "state": m.member.custom.get("state").cloned().unwrap_or_else(|| "JOINED".into()),
        "timestamp": {"joined": m.member.created_at},
        "channel": {"type": "app"},
        "_embedded": {"user": {"id": m.user.id, "name": name}},
        "_links": {"self": link(format!("{}{}", origin(req), path_of(req, conversation, &format!("/members/{mid}"))))},
    })
}

fn event_json(req: &HttpRequest, conversation: &str, mut event: Value) -> Value {
    let id = event["id"].clone();
    if let Value::Object(obj) = &mut event {
        obj.insert(
            "_links".into(),
            json!({"self": link(format!("{}{}", origin(req), path_of(req, conversation, &format!("/events/{id}"))))}),
        );
    }
    event
}

/// `POST /conversations`
async fn create(req: HttpRequest, state: Data, RawBody(body): RawBody) -> Result<HttpResponse, ApiError> {
    caller(&req, &state)?;
    let data: JsonMap = json_body(&body)?;
    let conversation = state.chat.create_conversation(&data).await?;
    Ok(HttpResponse::Ok().json(conversation_json(&req, &conversation)))
}

/// `GET /conversations/{id}`
async fn get(req: HttpRequest, state: Data, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller(&req, &state)?;
    let conversation = state.chat.conversation(&id).await?;
    Ok(HttpResponse::Ok().json(conversation_json(&req, &conversation)))
}

/// `POST /conversations/{id}/members` with `{"user":{"id"|"name"},"state","channel"}`.
async fn add_member(req: HttpRequest, state: Data, id: web::Path<String>, RawBody(body): RawBody) -> Result<HttpResponse, ApiError> {
    caller(&req, &state)?;
    let body: JsonMap = json_body(&body)?;
    let user = body.get("user").and_then(Value::as_object);
    let user_id = user.and_then(|u| u.get("id").or_else(|| u.get("name"))).and_then(Value::as_str).filter(|u| !u.is_empty());
    let user_id = user_id.ok_or_else(|| ApiError::input("user.id or user.name is required"))?;
    let member_state = body.get("state").and_then(Value::as_str).unwrap_or("joined");
    let member = state.chat.add_conversation_member(&id, user_id, member_state).await?;
    Ok(HttpResponse::Created().json(member_json(&req, &id, &member)))
}

/// `POST /conversations/{id}/events` with `{"type":"custom:…","from":"MEM-…","body":{…}}`.
async fn create_event(req: HttpRequest, state: Data, id: web::Path<String>, RawBody(body): RawBody) -> Result<HttpResponse, ApiError> {
    let caller = caller(&req, &state)?;
    let body: JsonMap = json_body(&body)?;
    let new = NewConversationEvent {
        kind: match body.get("type") {
            Some(Value::String(t)) => t.clone(),
            _ => return Err(ApiError::input("type is required: a string beginning with \"custom:\"")),
        },
        from: match body.get("from") {
            None | Some(Value::Null) => None,
            Some(Value::String(f)) => Some(f.clone()),
            Some(_) => return Err(ApiError::input("from must be a member id (MEM-…)")),
        },
        body: body.get("body").cloned().unwrap_or_else(|| json!({})),
        caller_is_user: caller.sub.is_some(),
    };
    let event = state.chat.send_conversation_event(&id, new).await?;
    Ok(HttpResponse::Ok().json(event_json(&req, &id, event)))
}

/// `GET /conversations/{id}/events?page_size=&order=asc|desc&cursor=`
async fn list_events(req: HttpRequest, state: Data, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller(&req, &state)?;
    let query = query_map(&req);
    let page_size = match query.get("page_size") {
        None => PAGE_SIZE,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| ApiError::input(format!("page_size must be a number from 1 to {MAX_PAGE_SIZE}")))?,
    };
    let descending = match query.get("order").map(|o| o.to_ascii_lowercase()) {
        None => false,
        Some(o) if o == "asc" => false,
        Some(o) if o == "desc" => true,
        Some(o) => return Err(ApiError::input(format!("order must be asc or desc, not {o:?}"))),
    };
    let cursor = match query.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(c.parse::<u64>().map_err(|_| ApiError::input("cursor is not one this API gave"))?),
    };
    let mut events = state.chat.conversation_events(&id, cursor, page_size + 1, descending).await?;
    let more = events.len() > page_size;
    events.truncate(page_size);
    let order = if descending { "desc" } else { "asc" };
    let base = format!("{}{}", origin(&req), path_of(&req, &id, "/events"));
    let mut links = JsonMap::new();
    let query_string = req.query_string();
    links.insert("self".into(), link(if query_string.is_empty() { base.clone() } else { format!("{base}?{query_string}") }));
    if let (true, Some(last)) = (more, events.last().and_then(|e| e["id"].as_u64())) {
        links.insert("next".into(), link(format!("{base}?page_size={page_size}&order={order}&cursor={last}")));
    }
    let events: Vec<Value> = events.into_iter().map(|e| event_json(&req, &id, e)).collect();
    Ok(HttpResponse::Ok().json(json!({"page_size": page_size, "_embedded": events, "_links": links})))
}
