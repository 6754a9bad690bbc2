//! Read state: how far a member has read a channel and how many messages arrived since.
//! Stored per (channel, member) by the actors' `ReadStore`; rendered in channel states (`read`),
//! in `me` (unread totals) and in the user-targeted `notification.*` events.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadState {
    pub cid: String,
    pub user_id: String,
    /// RFC 3339; herald_actors::clock::NEVER-style value when never read
    pub last_read: String,
    pub last_read_message_id: Option<String>,
    pub unread_messages: u64,
}

/// `last_read` of a member who never read (Stream's zero time).
pub const NEVER_READ: &str = "0001-01-01T00:00:00Z";

impl ReadState {
    /// The state of a member who never read the channel and has nothing unread.
    pub fn unread_nothing(cid: &str, user_id: &str) -> ReadState {
        ReadState {
            cid: cid.to_owned(),
            user_id: user_id.to_owned(),
            last_read: NEVER_READ.to_owned(),
            last_read_message_id: None,
            unread_messages: 0,
        }
    }

    /// The state of a member who read the channel at `at` (up to `message_id`, if named):
    /// nothing unread.
    pub fn read_at(cid: &str, user_id: &str, at: &str, message_id: Option<&str>) -> ReadState {
        ReadState {
            cid: cid.to_owned(),
            user_id: user_id.to_owned(),
            last_read: at.to_owned(),
            last_read_message_id: message_id.map(str::to_owned),
            unread_messages: 0,
        }
    }
}

/// A user's unread totals over their channels, as `me` and `notification.mark_read` carry them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnreadTotals {
    /// Unread messages over every channel.
    pub total_unread_count: u64,
    /// Channels with at least one unread message.
    pub unread_channels: u64,
}

impl UnreadTotals {
    pub fn of(reads: &[ReadState]) -> UnreadTotals {
        UnreadTotals {
            total_unread_count: reads.iter().map(|r| r.unread_messages).sum(),
            unread_channels: reads.iter().filter(|r| r.unread_messages > 0).count() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_count_messages_and_channels() {
        let mut a = ReadState::unread_nothing("messaging:a", "u");
        let b = ReadState::unread_nothing("messaging:b", "u");
        let mut c = ReadState::unread_nothing("messaging:c", "u");
        a.unread_messages = 3;
        c.unread_messages = 2;
        assert_eq!(UnreadTotals::of(&[a, b, c]), UnreadTotals { total_unread_count: 5, unread_channels: 2 });
        assert_eq!(UnreadTotals::of(&[]), UnreadTotals::default());
    }
}

/// `POST /channels/{type}/{id}/read` and `…/unread` (`message_id` required for unread).
/// Server-side callers name the user (`user_id` or `user`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MarkReadRequest {
    #[serde(default)]
    pub message_id: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub user: Option<crate::JsonMap>,
}

/// `POST /channels/read`: mark every channel read (`read_by_channel` cid → message id narrows
/// it to those channels).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MarkChannelsReadRequest {
    #[serde(default)]
    pub read_by_channel: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub user: Option<crate::JsonMap>,
}
