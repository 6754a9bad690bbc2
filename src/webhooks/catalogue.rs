//! Which events an endpoint gets. With no `event_types` (or `webhook_events`) a Stream-format
//! endpoint gets Stream's webhook catalogue (seeds/stream-webhook-events.txt) plus custom events
//! (types without a `.`: channel, user and conversation custom events), a TalkPlus endpoint every
//! event that has a TalkPlus name. A non-empty list selects by herald type, by TalkPlus name, or
//! `*` for everything.

use herald_proto::app::{EventHook, HookFormat};

/// Stream's webhook event catalogue.
pub const STREAM_CATALOGUE: &[&str] = &[
    "message.new",
    "message.read",
    "message.updated",
    "message.deleted",
    "reaction.new",
    "reaction.deleted",
    "reaction.updated",
    "member.added",
    "member.updated",
    "member.removed",
    "channel.created",
    "channel.updated",
    "channel.muted",
    "channel.unmuted",
    "channel.truncated",
    "channel.deleted",
    "channel.hidden",
    "user.deactivated",
    "user.deleted",
    "user.reactivated",
    "user.updated",
    "user.muted",
    "user.unmuted",
    "user.banned",
    "user.messages.deleted",
    "user.unbanned",
    "user.flagged",
    "user.unread_message_reminder",
    "export.users.success",
    "export.users.error",
    "export.channels.success",
    "export.channels.error",
    "reminder.created",
    "reminder.updated",
    "reminder.deleted",
    "notification.reminder_due",
];

/// A custom (application-defined) event type: no `.` (the dot is reserved for built-ins).
pub fn is_custom(kind: &str) -> bool {
    !kind.is_empty() && !kind.contains('.')
}

/// Whether `hook` wants an event of herald type `kind` whose TalkPlus name is `talkplus`.
pub fn wants(hook: &EventHook, kind: &str, talkplus: Option<&str>) -> bool {
    if hook.event_types.is_empty() {
        return match hook.format {
            HookFormat::Stream => STREAM_CATALOGUE.contains(&kind) || is_custom(kind),
            HookFormat::Talkplus => talkplus.is_some(),
        };
    }
    hook.event_types.iter().any(|t| t == "*" || t == kind || Some(t.as_str()) == talkplus)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(format: HookFormat, types: &[&str]) -> EventHook {
        EventHook {
            id: "h".into(),
            enabled: true,
            hook_type: "webhook".into(),
            webhook_url: "http://x".into(),
            event_types: types.iter().map(|t| t.to_string()).collect(),
            format,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn default_sets_and_explicit_filters() {
        let stream = hook(HookFormat::Stream, &[]);
        assert!(wants(&stream, "message.new", Some("message")));
        assert!(wants(&stream, "friendship_request", None), "custom events");
        assert!(wants(&stream, "custom:ping", None), "conversation events");
        assert!(!wants(&stream, "typing.start", None));
        assert!(!wants(&stream, "notification.message_new", None));
        let talkplus = hook(HookFormat::Talkplus, &[]);
        assert!(wants(&talkplus, "member.removed", Some("member_left")));
        assert!(!wants(&talkplus, "message.updated", None));
        let picky = hook(HookFormat::Talkplus, &["member_left", "typing.start"]);
        assert!(wants(&picky, "member.removed", Some("member_left")), "by TalkPlus name");
        assert!(wants(&picky, "typing.start", None), "by herald type");
        assert!(!wants(&picky, "message.new", Some("message")));
        assert!(wants(&hook(HookFormat::Stream, &["*"]), "user.watching.start", None));
    }
}
