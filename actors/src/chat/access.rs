//! Permissions: who may read a channel (watch, query, send custom events) and who may change it.
//!
//! Readers: server-side calls, admins, members, the channel's creator, and anyone where the
//! channel type's `read_access` is `anyone` (livestream). Moderators: server-side calls, admins,
//! the creator, members with `channel_role: channel_moderator`.

use herald_proto::channel::{ChannelRecord, ChannelTypeConfig, MemberRecord, ReadAccess, ROLE_MODERATOR};
use herald_proto::user::User;

/// What one caller is to one channel.
pub struct Access<'a> {
    pub config: &'a ChannelTypeConfig,
    pub channel: &'a ChannelRecord,
    /// None for a server-side call with no acting user.
    pub user: Option<&'a User>,
    pub member: Option<&'a MemberRecord>,
    pub server: bool,
}

impl Access<'_> {
    fn is_creator(&self) -> bool {
        matches!((self.user, &self.channel.created_by_id), (Some(u), Some(c)) if &u.id == c)
    }

    fn privileged(&self) -> bool {
        self.server || self.user.is_some_and(User::is_admin) || self.is_creator()
    }

    pub fn can_read(&self) -> bool {
        self.privileged() || self.member.is_some() || self.config.read_access == ReadAccess::Anyone
    }

    pub fn can_moderate(&self) -> bool {
        self.privileged() || self.member.is_some_and(|m| m.channel_role == ROLE_MODERATOR)
    }

    /// Stream's `own_capabilities` for this caller.
    pub fn capabilities(&self) -> Vec<&'static str> {
        let mut caps = Vec::new();
        if self.can_read() {
            caps.push("read-channel");
            if self.config.connect_events {
                caps.push("connect-events");
            }
            if self.config.read_events {
                caps.push("read-events");
            }
            if self.config.typing_events {
                caps.extend(["send-typing-events", "typing-events"]);
            }
            if self.config.custom_events {
                caps.push("send-custom-events");
            }
            if self.member.is_some() {
                caps.push("leave-channel");
            }
        }
        if self.can_moderate() {
            caps.extend(["update-channel", "update-channel-members", "delete-channel"]);
        }
        caps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_proto::user::UserInput;

    fn user(id: &str, role: &str) -> User {
        let mut u = User::create(UserInput::parse(serde_json::json!({"id": id}).as_object().unwrap().clone()).unwrap(), "t");
        u.role = role.into();
        u
    }

    fn channel(kind: &str, creator: Option<&str>) -> ChannelRecord {
        ChannelRecord {
            cid: format!("{kind}:c"),
            kind: kind.into(),
            id: "c".into(),
            created_by_id: creator.map(str::to_owned),
            created_at: "t".into(),
            updated_at: "t".into(),
            frozen: false,
            disabled: false,
            truncated_at: None,
            custom: Default::default(),
        }
    }

    fn member(id: &str, role: &str) -> MemberRecord {
        MemberRecord {
            user_id: id.into(),
            channel_role: role.into(),
            created_at: "t".into(),
            updated_at: "t".into(),
            banned: false,
            shadow_banned: false,
            notifications_muted: false,
            invited: false,
            invite_accepted_at: None,
            invite_rejected_at: None,
            custom: Default::default(),
        }
    }

    #[test]
    fn messaging_is_members_only_livestream_is_open() {
        let types = ChannelTypeConfig::built_ins("t");
        let (messaging, livestream) = (&types[0], &types[1]);
        let eve = user("eve", "user");
        let ch = channel("messaging", Some("alice"));
        let outsider = Access { config: messaging, channel: &ch, user: Some(&eve), member: None, server: false };
        assert!(!outsider.can_read());
        assert!(outsider.capabilities().is_empty());
        let m = member("eve", "channel_member");
        let inside = Access { member: Some(&m), ..outsider };
        assert!(inside.can_read() && !inside.can_moderate());
        let ls = channel("livestream", None);
        assert!(Access { config: livestream, channel: &ls, user: Some(&eve), member: None, server: false }.can_read());
    }

    #[test]
    fn creator_admin_moderator_and_server_moderate() {
        let types = ChannelTypeConfig::built_ins("t");
        let ch = channel("messaging", Some("alice"));
        let alice = user("alice", "user");
        let admin = user("root", "admin");
        let bob = user("bob", "user");
        let modm = member("bob", ROLE_MODERATOR);
        let base = Access { config: &types[0], channel: &ch, user: Some(&alice), member: None, server: false };
        assert!(base.can_moderate());
        assert!(Access { user: Some(&admin), ..base }.can_moderate());
        assert!(Access { user: Some(&bob), member: Some(&modm), ..base }.can_moderate());
        assert!(Access { user: None, server: true, ..base }.can_moderate());
        assert!(!Access { user: Some(&bob), ..base }.can_moderate());
    }
}
