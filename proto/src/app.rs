//! App settings herald stores (the webhook part of Stream's `GET/PATCH /app`) and user blocks.
//!
//! `PATCH /app` takes Stream's `webhook_url` + `webhook_events` (one endpoint, Stream format) and
//! `event_hooks` (several endpoints); herald adds `format: "stream" | "talkplus"` per hook.

use serde::{Deserialize, Serialize};

/// Payload format of a webhook endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HookFormat {
    /// Stream's event JSON, `X-Signature` hex HMAC-SHA256 keyed with the API secret.
    #[default]
    Stream,
    /// TalkPlus event JSON, `x-talkplus-signature` base64 HMAC-SHA256 keyed with the API key.
    Talkplus,
}

/// One webhook endpoint (`event_hooks[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventHook {
    pub id: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "webhook")]
    pub hook_type: String,
    #[serde(default)]
    pub webhook_url: String,
    /// Event types delivered; empty: the default catalogue (see the webhook service).
    #[serde(default)]
    pub event_types: Vec<String>,
    #[serde(default)]
    pub format: HookFormat,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
}

fn yes() -> bool {
    true
}
fn webhook() -> String {
    "webhook".into()
}

/// The stored webhook settings of the app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSettings {
    #[serde(default)]
    pub webhook_url: String,
    #[serde(default)]
    pub webhook_events: Vec<String>,
    #[serde(default)]
    pub event_hooks: Vec<EventHook>,
}

/// The id the `webhook_url` endpoint gets among the hooks.
pub const LEGACY_HOOK_ID: &str = "webhook_url";

impl AppSettings {
    /// Every enabled endpoint: `webhook_url` (Stream format) and the enabled `event_hooks`.
    pub fn endpoints(&self) -> Vec<EventHook> {
        let mut hooks = Vec::new();
        if !self.webhook_url.is_empty() {
            hooks.push(EventHook {
                id: LEGACY_HOOK_ID.into(),
                enabled: true,
                hook_type: webhook(),
                webhook_url: self.webhook_url.clone(),
                event_types: self.webhook_events.clone(),
                format: HookFormat::Stream,
                created_at: String::new(),
                updated_at: String::new(),
            });
        }
        hooks.extend(self.event_hooks.iter().filter(|h| h.enabled && h.hook_type == "webhook" && !h.webhook_url.is_empty()).cloned());
        hooks
    }
}

/// `user_id` blocked `blocked_user_id` at `created_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRecord {
    pub user_id: String,
    pub blocked_user_id: String,
    pub created_at: String,
}
