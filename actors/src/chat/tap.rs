//! The event tap: how events published through [`super::Chat`] reach the webhook pipeline.
//!
//! Every `Chat::publish*` call hands its event to the tap (if one is set) once per logical
//! event, on the node where the event originates — never once per recipient or per node. The tap
//! must return at once (`try_send` into a bounded queue): it runs on the event path. The webhook
//! service in the server crate implements [`EventTap`]; the REST layer sets [`REQUEST_INFO`] around
//! each request so the tap can say which request caused an event (`request_info`).

use herald_proto::JsonMap;
use std::sync::Arc;

/// Where an event was published to.
#[derive(Debug, Clone, Copy)]
pub enum TapScope<'a> {
    /// A channel's watchers.
    Channel(&'a str),
    /// One user's connections.
    User(&'a str),
    /// Several users' connections (one event, many users: tapped once).
    Users(&'a [String]),
    /// Anything else (node topics).
    Other,
}

/// The request that caused an event (Stream's webhook `request_info`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// `server` (server token) or `client` (user token).
    pub kind: &'static str,
    pub ip: String,
    pub user_agent: String,
    /// `X-Stream-Client`.
    pub sdk: String,
}

tokio::task_local! {
    /// The request being served by the current task (set by the HTTP layer around a handler).
    pub static REQUEST_INFO: Arc<RequestInfo>;
}

/// The request being served by the current task, if any.
pub fn current_request() -> Option<Arc<RequestInfo>> {
    REQUEST_INFO.try_with(Arc::clone).ok()
}

/// Receives every published event (as built, and as encoded once for the Bus). Must not block
/// or await.
pub trait EventTap: Send + Sync + 'static {
    fn tap(&self, event: &JsonMap, frame: &str, scope: TapScope<'_>);
}
