//! Channel lifecycle per user and per channel: truncate, hide/show, channel mutes. The records
//! the actors' `LifecycleStore` keeps and the request bodies of their routes (lenient like
//! [`crate::api`]: server-side callers name the user with `user_id` or `user`).

use crate::JsonMap;
use serde::{Deserialize, Serialize};

/// A user's mute of a channel (`ChannelMute` without the expanded user and channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelMute {
    pub user_id: String,
    pub cid: String,
    pub created_at: String,
    pub updated_at: String,
    /// RFC 3339; None = until unmuted.
    #[serde(default)]
    pub expires: Option<String>,
}

impl ChannelMute {
    /// Whether the mute has run out at `now` (both RFC 3339 UTC as herald writes them).
    pub fn expired(&self, now: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e <= now)
    }
}

/// `POST /channels/{type}/{id}/truncate`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TruncateRequest {
    #[serde(default)]
    pub hard_delete: Option<bool>,
    #[serde(default)]
    pub skip_push: Option<bool>,
    /// Only messages created at or before this time go (RFC 3339); default now.
    #[serde(default)]
    pub truncated_at: Option<String>,
    /// A system message added after the truncation.
    #[serde(default)]
    pub message: Option<JsonMap>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub user: Option<JsonMap>,
}

/// `POST /channels/{type}/{id}/hide` and `…/show`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HideRequest {
    #[serde(default)]
    pub clear_history: Option<bool>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub user: Option<JsonMap>,
}

/// `POST /moderation/mute/channel` and `/moderation/unmute/channel`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MuteChannelRequest {
    #[serde(default)]
    pub channel_cid: Option<String>,
    #[serde(default)]
    pub channel_cids: Option<Vec<String>>,
    /// Milliseconds from now.
    #[serde(default)]
    pub expiration: Option<u64>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub user: Option<JsonMap>,
}

impl MuteChannelRequest {
    /// `channel_cid` and `channel_cids` together, deduplicated, in order.
    pub fn cids(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for cid in self.channel_cid.iter().chain(self.channel_cids.iter().flatten()) {
            if !out.contains(cid) {
                out.push(cid.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mute_request_merges_cids_and_expiry_compares_times() {
        let req: MuteChannelRequest =
            serde_json::from_str(r#"{"channel_cid":"messaging:a","channel_cids":["messaging:b","messaging:a"]}"#).unwrap();
        assert_eq!(req.cids(), vec!["messaging:a", "messaging:b"]);
        let mut mute = ChannelMute { user_id: "u".into(), cid: "c".into(), created_at: "t".into(), updated_at: "t".into(), expires: None };
        assert!(!mute.expired("2030-01-01T00:00:00Z"));
        mute.expires = Some("2026-01-01T00:00:00.000000000Z".into());
        assert!(mute.expired("2030-01-01T00:00:00Z") && !mute.expired("2025-01-01T00:00:00Z"));
    }
}

/// `PATCH /channels/{type}/{id}/member` (JS `updateMemberPartial`, `?user_id=`) and
/// `PATCH /channels/{type}/{id}/member/{user_id}`: custom member data to set and unset.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PartialUpdateMemberRequest {
    #[serde(default)]
    pub set: Option<JsonMap>,
    #[serde(default)]
    pub unset: Option<Vec<String>>,
    #[serde(default)]
    pub user_id: Option<String>,
}

/// Member fields herald manages: a partial member update may not set or unset them.
pub const MEMBER_MANAGED_FIELDS: &[&str] = &[
    "user_id",
    "user",
    "channel_role",
    "role",
    "created_at",
    "updated_at",
    "banned",
    "shadow_banned",
    "ban_expires",
    "invited",
    "invite_accepted_at",
    "invite_rejected_at",
    "is_moderator",
];
