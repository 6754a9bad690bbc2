//! Asynchronous exports: `POST /export_channels` and `POST /export/users` answer a `task_id` at
//! once; the export runs in the background on the node that took the call, then its task
//! (`GET /tasks/{id}`, also `GET /export_channels/{id}`) says `completed` with `result.url`, or
//! `failed` with `error`. Tasks and export files live in the Store (families `tasks`, `exports`),
//! so any node answers for them and serves the file.
//!
//! The file is JSON, served by herald at `{base}/exports/{task_id}/{secret}.json`: a capability
//! URL (like a signed S3 URL), needing no token; `secret` is 122 random bits made per export.
//! Events `export.users.success` / `.error` and `export.channels.success` / `.error` (webhook
//! catalogue events) go to the connections of the user who asked — an admin's token, or the
//! `user_id` a server call names — and otherwise to no socket, only to the publish tap (webhooks).
//! Who may: server-side calls and admins.

use super::moderation::{str_field, user_field};
use super::views::{bare_event, member_json, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::message::MessageCursor;
use herald_proto::JsonMap;
use serde_json::{json, Value};

const EXPORTS: &str = "exports";
/// The user topic export events use when no user asked (no socket listens there).
const NOBODY: &str = "*server*";

/// What to export.
enum Export {
    Users(Vec<String>),
    /// (cid, messages_since, messages_until)
    Channels(Vec<(String, Option<String>, Option<String>)>),
}

impl Export {
    fn kind(&self) -> &'static str {
        match self {
            Export::Users(_) => "users",
            Export::Channels(_) => "channels",
        }
    }
}

impl Chat {
    /// `POST /export/users` (`user_ids`): returns the task id.
    pub async fn export_users(&self, caller: &Caller, body: &JsonMap, base_url: &str) -> ChatResult<String> {
        let audience = self.export_audience(caller, body).await?;
        let ids: Vec<String> = match body.get("user_ids") {
            Some(Value::Array(ids)) => ids.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        };
        if ids.is_empty() {
            return Err(ChatError::input("user_ids is a required field"));
        }
        self.start_export(Export::Users(ids), audience, base_url).await
    }

    /// `POST /export_channels` (`channels: [{type, id, messages_since?, messages_until?}]`):
    /// every channel must exist; returns the task id.
    pub async fn export_channels(&self, caller: &Caller, body: &JsonMap, base_url: &str) -> ChatResult<String> {
        let audience = self.export_audience(caller, body).await?;
        let Some(Value::Array(list)) = body.get("channels") else {
            return Err(ChatError::input("channels is a required field"));
        };
        let mut channels = Vec::new();
        for item in list {
            let obj = item.as_object().ok_or_else(|| ChatError::input("each channel is an object with type and id"))?;
            let cid = match (str_field(obj, "type"), str_field(obj, "id"), str_field(obj, "cid")) {
                (Some(kind), Some(id), _) => format!("{kind}:{id}"),
                (_, _, Some(cid)) => cid,
                _ => return Err(ChatError::input("each channel needs type and id")),
            };
            self.load_channel(&cid).await?;
            channels.push((cid, str_field(obj, "messages_since"), str_field(obj, "messages_until")));
        }
        if channels.is_empty() {
            return Err(ChatError::input("channels must list at least one channel"));
        }
        self.start_export(Export::Channels(channels), audience, base_url).await
    }

    /// An export file by task id and secret (None: no such export).
    pub async fn export_file(&self, task_id: &str, secret: &str) -> ChatResult<Option<Value>> {
        let Some(record) = self.store().get_record(EXPORTS, task_id).await? else { return Ok(None) };
        if record.get("secret").and_then(Value::as_str) != Some(secret) {
            return Ok(None);
        }
        Ok(record.get("document").cloned())
    }

    async fn export_audience(&self, caller: &Caller, body: &JsonMap) -> ChatResult<String> {
        Ok(match self.require_admin(caller, "export data").await? {
            Some(admin) => admin.id,
            None => user_field(body, "user_id").unwrap_or_else(|| NOBODY.to_owned()),
        })
    }

    async fn start_export(&self, export: Export, audience: String, base_url: &str) -> ChatResult<String> {
        let started_at = clock::now();
        let pending = json!({"status": "pending", "created_at": started_at, "updated_at": started_at});
        let task_id = self.record_task(pending).await?;
        let chat = self.clone();
        let (task, base) = (task_id.clone(), base_url.trim_end_matches('/').to_owned());
        actix::spawn(async move {
            let kind = export.kind();
            let outcome = chat.build_export(&export).await;
            let finished_at = clock::now();
            let mut event = bare_event(&format!("export.{kind}.success"));
            event.insert("task_id".into(), task.clone().into());
            event.insert("started_at".into(), started_at.clone().into());
            event.insert("finished_at".into(), finished_at.clone().into());
            let stored = match outcome {
                Ok(document) => {
                    let secret = uuid::Uuid::new_v4().simple().to_string();
                    let url = format!("{base}/exports/{task}/{secret}.json");
                    let record = json!({"secret": secret, "document": document});
                    match chat.store().update_record(EXPORTS, &task, &|_| Some(record.clone())).await {
                        Ok(_) => Ok(url),
                        Err(e) => Err(ChatError::from(e)),
                    }
                }
                Err(e) => Err(e),
            };
            let status = match &stored {
                Ok(url) => {
                    event.insert("url".into(), url.clone().into());
                    json!({"status": "completed", "created_at": started_at, "updated_at": finished_at, "result": {"url": url}})
                }
                Err(e) => {
                    event.insert("type".into(), format!("export.{kind}.error").into());
                    event.insert("error".into(), e.message.clone().into());
                    json!({"status": "failed", "created_at": started_at, "updated_at": finished_at, "error": {"description": e.message}})
                }
            };
            if let Err(e) = chat.set_task(&task, status).await {
                tracing::error!(task = %task, error = %e, "could not record the end of an export");
            }
            if let Err(e) = chat.publish_to_user(&audience, None, &event).await {
                tracing::warn!(task = %task, error = %e, "could not announce the end of an export");
            }
        });
        Ok(task_id)
    }

    async fn build_export(&self, export: &Export) -> ChatResult<Value> {
        match export {
            Export::Users(ids) => {
                let users = self.store().get_users(ids).await?;
                Ok(json!({"users": users.iter().map(user_json).collect::<Vec<_>>()}))
            }
            Export::Channels(channels) => {
                let mut out = Vec::new();
                for (cid, since, until) in channels {
                    let loaded = self.load_channel(cid).await?;
                    let members = self.store().get_members(cid).await?;
                    let ids: Vec<String> = members.iter().map(|m| m.user_id.clone()).collect();
                    let users: std::collections::HashMap<String, herald_proto::user::User> =
                        self.store().get_users(&ids).await?.into_iter().map(|u| (u.id.clone(), u)).collect();
                    let messages = self.store().channel_messages(cid, MessageCursor::Latest, self.limits().max_channel_messages).await?;
                    let in_range = |t: &str| since.as_deref().is_none_or(|s| t >= s) && until.as_deref().is_none_or(|u| t <= u);
                    let messages: Vec<&herald_proto::message::MessageRecord> =
                        messages.iter().filter(|m| in_range(&m.created_at)).collect();
                    let index = self.users_for(&messages).await?;
                    out.push(json!({
                        "channel": self.channel_payload(&loaded).await?,
                        "members": members.iter().map(|m| member_json(m, users.get(&m.user_id))).collect::<Vec<_>>(),
                        "messages": messages.iter().map(|m| super::message_views::message_json(m, &index, None)).collect::<Vec<_>>(),
                    }));
                }
                Ok(json!({"channels": out}))
            }
        }
    }
}
