//! Stream-format payloads (seeds/stream-webhook-events.txt): the event as published, plus for
//! message, reaction, member and channel events the channel's `members` (at most 50), the unread
//! fields on the acting `user` and on the members' users, and `request_info` when a request
//! caused the event. A user custom event also names its target (`target_user_id`, herald's).

use super::context::EventContext;
use super::unread;
use herald_actors::chat::tap::RequestInfo;
use herald_actors::store::Store;
use herald_proto::JsonMap;
use serde_json::{json, Value};

/// Event families whose payload lists the channel members.
const WITH_MEMBERS: &[&str] = &["message.", "reaction.", "member.", "channel."];

pub fn lists_members(kind: &str) -> bool {
    WITH_MEMBERS.iter().any(|p| kind.starts_with(p))
}

/// The Stream body of `event`.
pub async fn render(
    store: &dyn Store,
    event: &JsonMap,
    ctx: Option<&EventContext>,
    target_user: Option<&str>,
    request: Option<&RequestInfo>,
) -> JsonMap {
    let mut out = event.clone();
    let kind = event.get("type").and_then(Value::as_str).unwrap_or("");
    let cid = event.get("cid").and_then(Value::as_str);
    if let (Some(ctx), true) = (ctx, lists_members(kind)) {
        let mut members = ctx.members.clone();
        // one read-state lookup per member, all at once
        let lookups = members.iter_mut().filter_map(|m| m.get_mut("user")).map(|u| unread::annotate(store, cid, u));
        futures_util::future::join_all(lookups).await;
        out.insert("members".into(), members.into());
    }
    if let Some(u) = out.get_mut("user") {
        unread::annotate(store, cid, u).await;
    }
    if let Some(target) = target_user {
        if super::catalogue::is_custom(kind) {
            out.entry("target_user_id").or_insert_with(|| target.into());
        }
    }
    if let Some(r) = request {
        out.insert("request_info".into(), json!({"type": r.kind, "ip": r.ip, "user_agent": r.user_agent, "sdk": r.sdk}));
    }
    out
}
