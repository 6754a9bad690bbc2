//! Event types: the built-in catalogue, and which types a client or a backend may send.
//!
//! Rules (seeds/stream-custom-events.txt, DESIGN §4): a client may send custom types and
//! `typing.start`/`typing.stop`, never another built-in type; a user-targeted custom event may
//! not contain `.` (reserved for built-in events).

use crate::limits::MAX_EVENT_TYPE_CHARS;

/// Every built-in event type of the Stream protocol (JS events.ts, OA `WSEvent`).
pub const BUILT_IN: &[&str] = &[
    "ai_indicator.clear",
    "ai_indicator.stop",
    "ai_indicator.update",
    "channel.created",
    "channel.deleted",
    "channel.frozen",
    "channel.hidden",
    "channel.kicked",
    "channel.muted",
    "channel.truncated",
    "channel.unfrozen",
    "channel.unmuted",
    "channel.updated",
    "channel.visible",
    "connection.changed",
    "connection.recovered",
    "draft.deleted",
    "draft.updated",
    "health.check",
    "member.added",
    "member.removed",
    "member.updated",
    "message.deleted",
    "message.delivered",
    "message.new",
    "message.read",
    "message.undeleted",
    "message.updated",
    "notification.added_to_channel",
    "notification.channel_deleted",
    "notification.channel_mutes_updated",
    "notification.channel_truncated",
    "notification.invite_accepted",
    "notification.invite_rejected",
    "notification.invited",
    "notification.mark_read",
    "notification.mark_unread",
    "notification.message_new",
    "notification.mutes_updated",
    "notification.reminder_due",
    "notification.removed_from_channel",
    "notification.thread_message_new",
    "poll.closed",
    "poll.created",
    "poll.deleted",
    "poll.updated",
    "poll.vote_casted",
    "poll.vote_changed",
    "poll.vote_removed",
    "reaction.deleted",
    "reaction.new",
    "reaction.updated",
    "reminder.created",
    "reminder.deleted",
    "reminder.updated",
    "thread.updated",
    "transport.changed",
    "typing.start",
    "typing.stop",
    "user.banned",
    "user.deactivated",
    "user.deleted",
    "user.flagged",
    "user.messages.deleted",
    "user.muted",
    "user.presence.changed",
    "user.reactivated",
    "user.unbanned",
    "user.unmuted",
    "user.unread_message_reminder",
    "user.updated",
    "user.watching.start",
    "user.watching.stop",
];

/// Built-in types a client may send itself.
pub const CLIENT_SENDABLE: &[&str] = &["typing.start", "typing.stop"];

/// Namespaces only herald itself emits into, even for types not (yet) in [`BUILT_IN`].
const RESERVED_PREFIXES: &[&str] =
    &["notification.", "health.", "connection.", "user.", "channel.", "member.", "message.", "reaction.", "typing."];

/// What kind of event a sender is asking to publish on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelEventKind {
    /// typing.start / typing.stop
    Typing,
    /// The sender's own type.
    Custom,
}

/// Why an event type was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTypeError {
    Missing,
    TooLong,
    /// A built-in type clients may not send.
    Reserved(String),
    /// A user event type containing `.`.
    Dotted(String),
}

impl std::fmt::Display for EventTypeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventTypeError::Missing => write!(f, "event.type is a required field"),
            EventTypeError::TooLong => write!(f, "event.type is longer than {MAX_EVENT_TYPE_CHARS} characters"),
            EventTypeError::Reserved(t) => write!(f, "event type {t:?} is a built-in event type that clients cannot send"),
            EventTypeError::Dotted(t) => {
                write!(f, "custom user event type {t:?} must not contain '.', which is reserved for built-in events")
            }
        }
    }
}

fn check_present(kind: &str) -> Result<(), EventTypeError> {
    if kind.trim().is_empty() {
        return Err(EventTypeError::Missing);
    }
    if kind.chars().count() > MAX_EVENT_TYPE_CHARS {
        return Err(EventTypeError::TooLong);
    }
    Ok(())
}

/// True for a type herald owns (built-in, or inside a reserved namespace).
pub fn is_reserved(kind: &str) -> bool {
    BUILT_IN.contains(&kind) || RESERVED_PREFIXES.iter().any(|p| kind.starts_with(p))
}

/// Classifies a type a client or backend wants to publish on a channel.
pub fn classify_channel_event(kind: &str) -> Result<ChannelEventKind, EventTypeError> {
    check_present(kind)?;
    if CLIENT_SENDABLE.contains(&kind) {
        return Ok(ChannelEventKind::Typing);
    }
    if is_reserved(kind) {
        return Err(EventTypeError::Reserved(kind.to_owned()));
    }
    Ok(ChannelEventKind::Custom)
}

/// Checks the type of a custom event aimed at a user.
pub fn check_user_event(kind: &str) -> Result<(), EventTypeError> {
    check_present(kind)?;
    if kind.contains('.') {
        return Err(EventTypeError::Dotted(kind.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_is_client_sendable() {
        assert_eq!(classify_channel_event("typing.start"), Ok(ChannelEventKind::Typing));
        assert_eq!(classify_channel_event("typing.stop"), Ok(ChannelEventKind::Typing));
    }

    #[test]
    fn built_ins_are_refused() {
        for t in ["message.new", "user.banned", "health.check", "notification.anything_new", "member.added"] {
            assert!(matches!(classify_channel_event(t), Err(EventTypeError::Reserved(_))), "{t}");
        }
    }

    #[test]
    fn custom_types_pass_even_with_dots_outside_reserved_namespaces() {
        assert_eq!(classify_channel_event("friendship_request"), Ok(ChannelEventKind::Custom));
        assert_eq!(classify_channel_event("my.custom"), Ok(ChannelEventKind::Custom));
    }

    #[test]
    fn missing_and_long_types() {
        assert_eq!(classify_channel_event(""), Err(EventTypeError::Missing));
        assert_eq!(classify_channel_event(&"x".repeat(256)), Err(EventTypeError::TooLong));
    }

    #[test]
    fn user_events_refuse_dots() {
        assert!(check_user_event("friendship_request").is_ok());
        assert_eq!(check_user_event("a.b"), Err(EventTypeError::Dotted("a.b".into())));
    }
}
