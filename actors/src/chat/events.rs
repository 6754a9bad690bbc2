//! Custom and typing events: to a channel (REST or native socket frame) and to a user (server
//! only). The rules of seeds/stream-custom-events.txt and DESIGN §4 are enforced here, once, for
//! every entry point.

use super::access::Access;
use super::views::{bare_event, channel_event, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::metrics::Metrics;
use herald_proto::error::ErrorCode;
use herald_proto::event_type::{check_user_event, classify_channel_event, ChannelEventKind};
use herald_proto::JsonMap;
use serde_json::Value;

/// Fields of a client-sent event that herald sets itself.
const SERVER_SET_FIELDS: &[&str] = &[
    "cid",
    "channel_id",
    "channel_type",
    "created_at",
    "user",
    "user_id",
    "received_at",
    "channel",
    "member",
    "watcher_count",
    "me",
    "connection_id",
];

impl Chat {
    /// Publishes a typing or custom event on a channel. `event` is the event as sent (its
    /// `type`, custom fields, and for server callers `user` or `user_id`). Returns the event as
    /// delivered.
    pub async fn send_channel_event(&self, caller: &Caller, cid: &str, event: JsonMap) -> ChatResult<JsonMap> {
        let result = self.try_send_channel_event(caller, cid, event).await;
        if result.is_err() {
            Metrics::incr(&self.metrics().events_rejected);
        }
        result
    }

    async fn try_send_channel_event(&self, caller: &Caller, cid: &str, mut event: JsonMap) -> ChatResult<JsonMap> {
        let kind = event.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
        let class = classify_channel_event(&kind).map_err(|e| ChatError::input(e.to_string()))?;
        self.check_event_size(&event)?;
        let loaded = self.load_channel(cid).await?;
        let named = match caller {
            Caller::Server => Some(
                herald_proto::api::named_user_id(
                    &event.get("user_id").and_then(Value::as_str).map(str::to_owned),
                    &event.get("user").and_then(Value::as_object).cloned(),
                )
                .ok_or_else(|| ChatError::input("server-side events need event.user or event.user_id"))?,
            ),
            Caller::User(_) => None,
        };
        let acting = self.acting_user(caller, named).await?.ok_or_else(|| ChatError::input("event has no user"))?;
        if class == ChannelEventKind::Custom {
            self.check_not_banned(&acting.id, cid, "SendEvent").await?;
        }
        let config = &loaded.config;
        match class {
            ChannelEventKind::Typing if !config.typing_events => {
                return Err(ChatError::feature_off(&loaded.channel.kind, "typing_events"));
            }
            ChannelEventKind::Custom if !config.custom_events => {
                return Err(ChatError::feature_off(&loaded.channel.kind, "custom_events"));
            }
            _ => {}
        }
        if !caller.is_server() {
            let member = self.membership(cid, Some(&acting)).await?;
            let access = Access { config, channel: &loaded.channel, user: Some(&acting), member: member.as_ref(), server: false };
            if !access.can_read() {
                return Err(ChatError::forbidden(format!(
                    "User '{}' is not allowed to send events to channel {cid}: only users who can read the channel may",
                    acting.id
                )));
            }
            if class == ChannelEventKind::Custom && loaded.channel.frozen && !access.can_moderate() {
                return Err(ChatError::frozen(cid, "send custom events"));
            }
        }
        event.retain(|k, _| !SERVER_SET_FIELDS.contains(&k.as_str()));
        let mut out = channel_event(&kind, &loaded.channel);
        out.extend(event);
        out.insert("user".into(), user_json(&acting));
        self.publish_to_channel(cid, &out).await?;
        Ok(out)
    }

    /// `POST /users/{id}/event`: server only; delivered to every connection of the user.
    pub async fn send_user_event(&self, caller: &Caller, target: &str, mut event: JsonMap) -> ChatResult<JsonMap> {
        let result = async {
            if !caller.is_server() {
                return Err(ChatError::server_only("sending custom events to a user"));
            }
            let kind = event.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
            check_user_event(&kind).map_err(|e| ChatError::input(e.to_string()))?;
            self.check_event_size(&event)?;
            self.existing_user(target).await?;
            event.retain(|k, _| !SERVER_SET_FIELDS.contains(&k.as_str()));
            let mut out = bare_event(&kind);
            out.extend(event);
            self.publish_to_user(target, None, &out).await?;
            Ok(out)
        }
        .await;
        if result.is_err() {
            Metrics::incr(&self.metrics().events_rejected);
        }
        result
    }

    fn check_event_size(&self, event: &JsonMap) -> ChatResult<()> {
        let size = encoded_len(event);
        let max = self.limits().max_event_bytes;
        if size > max {
            return Err(ChatError::new(
                ErrorCode::PayloadTooBig,
                format!("event payload is {size} bytes; custom events are limited to {max} bytes"),
            ));
        }
        Ok(())
    }
}

/// The length of `value` as JSON, counted without allocating the text.
fn encoded_len(value: &JsonMap) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => usize::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_len_matches_the_text() {
        let v = serde_json::json!({"type": "x", "text": "héllo \"quoted\"", "n": [1, 2.5, null]});
        let map = v.as_object().unwrap();
        assert_eq!(encoded_len(map), serde_json::to_string(map).unwrap().len());
    }
}
