//! The `json` query parameter of `GET /connect` (JS `_buildWSPayload`).

use crate::JsonMap;
use serde::Deserialize;

/// What a client says about itself when it opens a socket.
#[derive(Debug, Clone, Deserialize)]
pub struct ConnectPayload {
    pub user_id: Option<String>,
    #[serde(default)]
    pub user_details: Option<JsonMap>,
    #[serde(default)]
    pub client_request_id: Option<String>,
}

impl ConnectPayload {
    /// The user id the client claims: `user_id`, else `user_details.id`.
    pub fn claimed_user_id(&self) -> Option<String> {
        self.user_id.clone().or_else(|| self.user_details.as_ref()?.get("id")?.as_str().map(str::to_owned))
    }
}
