//! `GET /app` and `PATCH /app` (the webhook part of Stream's app settings): validation of a
//! patch, and the view returned (no secret is stored or shown: signatures use the API
//! secret/key from the configuration).

use herald_actors::chat::ChatError;
use herald_actors::clock;
use herald_proto::app::{AppSettings, EventHook, HookFormat};
use herald_proto::JsonMap;
use serde_json::{json, Value};

/// A validated `PATCH /app` body: only the fields present change.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    webhook_url: Option<String>,
    webhook_events: Option<Vec<String>>,
    event_hooks: Option<Vec<EventHook>>,
}

fn check_url(field: &str, url: &str) -> Result<(), ChatError> {
    if url.is_empty() || url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(ChatError::input(format!("{field} must be an http:// or https:// URL, got {url:?}")))
    }
}

fn string_list(field: &str, v: &Value) -> Result<Vec<String>, ChatError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or_else(|| ChatError::input(format!("{field} must be a list of strings"))))
            .collect(),
        _ => Err(ChatError::input(format!("{field} must be a list of strings"))),
    }
}

impl SettingsPatch {
    /// Reads and checks a `PATCH /app` body.
    pub fn parse(body: &JsonMap) -> Result<SettingsPatch, ChatError> {
        let mut patch = SettingsPatch::default();
        if let Some(v) = body.get("webhook_url") {
            let url = v.as_str().unwrap_or("").to_owned();
            if !v.is_null() && !v.is_string() {
                return Err(ChatError::input("webhook_url must be a string"));
            }
            check_url("webhook_url", &url)?;
            patch.webhook_url = Some(url);
        }
        if let Some(v) = body.get("webhook_events") {
            patch.webhook_events = Some(string_list("webhook_events", v)?);
        }
        if let Some(v) = body.get("event_hooks") {
            let Value::Array(items) = v else { return Err(ChatError::input("event_hooks must be a list")) };
            let now = clock::now();
            let mut hooks: Vec<EventHook> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let Value::Object(obj) = item else { return Err(ChatError::input(format!("event_hooks[{i}] must be an object"))) };
                let hook_type = obj.get("hook_type").and_then(Value::as_str).unwrap_or("webhook");
                if hook_type != "webhook" {
                    return Err(ChatError::input(format!("event_hooks[{i}].hook_type {hook_type:?} is not supported (only \"webhook\")")));
                }
                let url = obj.get("webhook_url").and_then(Value::as_str).unwrap_or("").to_owned();
                check_url(&format!("event_hooks[{i}].webhook_url"), &url)?;
                let enabled = obj.get("enabled").and_then(Value::as_bool).unwrap_or(true);
                if enabled && url.is_empty() {
                    return Err(ChatError::input(format!("event_hooks[{i}].webhook_url is required")));
                }
                let format = match obj.get("format").and_then(Value::as_str).unwrap_or("stream") {
                    "stream" => HookFormat::Stream,
                    "talkplus" => HookFormat::Talkplus,
                    other => return Err(ChatError::input(format!("event_hooks[{i}].format {other:?}: use \"stream\" or \"talkplus\""))),
                };
                let id = match obj.get("id").and_then(Value::as_str) {
                    Some(id) if !id.is_empty() => id.to_owned(),
                    _ => uuid::Uuid::new_v4().to_string(),
                };
                if id.contains(['|', ':']) || hooks.iter().any(|h| h.id == id) {
                    return Err(ChatError::input(format!("event_hooks[{i}].id {id:?} must be unique and contain no '|' or ':'")));
                }
                let event_types = string_list(&format!("event_hooks[{i}].event_types"), obj.get("event_types").unwrap_or(&Value::Null))?;
                hooks.push(EventHook {
                    id,
                    enabled,
                    hook_type: hook_type.to_owned(),
                    webhook_url: url,
                    event_types,
                    format,
                    created_at: obj.get("created_at").and_then(Value::as_str).unwrap_or(&now).to_owned(),
                    updated_at: now.clone(),
                });
            }
            patch.event_hooks = Some(hooks);
        }
        Ok(patch)
    }

    /// `current` with this patch applied (pure: may run more than once).
    pub fn apply(&self, current: &AppSettings) -> AppSettings {
        let mut s = current.clone();
        if let Some(url) = &self.webhook_url {
            s.webhook_url = url.clone();
        }
        if let Some(events) = &self.webhook_events {
            s.webhook_events = events.clone();
        }
        if let Some(hooks) = &self.event_hooks {
            s.event_hooks = hooks.clone();
        }
        s
    }
}

/// The `app` object of `GET /app`.
pub fn view(settings: &AppSettings, api_key: &str) -> Value {
    json!({
        "name": "herald",
        "api_key": api_key,
        "webhook_url": settings.webhook_url,
        "webhook_events": settings.webhook_events,
        "event_hooks": settings.event_hooks,
        "disable_auth_checks": false,
        "disable_permissions_checks": false,
        "multi_tenant_enabled": false,
        "before_message_send_hook_url": "",
        "custom_action_handler_url": "",
        "sqs_url": "",
        "sqs_key": "",
        "sqs_secret": "",
        "sns_topic_arn": "",
        "sns_key": "",
        "sns_secret": "",
    })
}
