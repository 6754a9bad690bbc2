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
