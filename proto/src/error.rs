//! The Stream error envelope and the numeric error codes herald returns.
//!
//! Codes are Stream's (docs `api_errors_response`; JS `errors.ts`). The envelope is the same on REST
//! bodies and inside socket error frames (`{"error": ApiErrorBody}`).

use serde::{Deserialize, Serialize};

/// Stream's numeric error codes. Append-only; never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 500: something broke inside herald.
    Internal,
    /// 401: `api_key` missing or unknown.
    AccessKey,
    /// 400: bad input (missing or malformed fields, unknown connection_id, bad frame).
    InputError,
    /// 401: generic authentication failure (no token, malformed token).
    AuthFailed,
    /// 429: rate limited.
    RateLimited,
    /// 404: a channel, user or channel type does not exist.
    DoesNotExist,
    /// 403: not allowed.
    NotAllowed,
    /// 400: the event type is not supported here.
    EventNotSupported,
    /// 400: the channel type has this feature switched off.
    ChannelFeatureNotSupported,
    /// 413: payload too big.
    PayloadTooBig,
    /// 503 (herald): a backend herald depends on is unavailable.
    Unavailable,
    /// 401: token expired (`exp` in the past); the JS client refreshes on this code.
    TokenExpired,
    /// 401: token not valid yet (`nbf` in the future).
    TokenNotValidYet,
    /// 401: token issued in the future (`iat`).
    TokenIssuedInFuture,
    /// 401: token signature does not match.
    TokenSignatureInvalid,
}

impl ErrorCode {
    /// The number clients key on (`code` in the envelope).
    pub fn number(self) -> i32 {
        match self {
            ErrorCode::Internal => -1,
            ErrorCode::AccessKey => 2,
            ErrorCode::InputError => 4,
            ErrorCode::AuthFailed => 5,
            ErrorCode::RateLimited => 9,
            ErrorCode::DoesNotExist => 16,
            ErrorCode::NotAllowed => 17,
            ErrorCode::EventNotSupported => 18,
            ErrorCode::ChannelFeatureNotSupported => 19,
            ErrorCode::PayloadTooBig => 22,
            ErrorCode::Unavailable => 23,
            ErrorCode::TokenExpired => 40,
            ErrorCode::TokenNotValidYet => 41,
            ErrorCode::TokenIssuedInFuture => 42,
            ErrorCode::TokenSignatureInvalid => 43,
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::Internal => 500,
            ErrorCode::AccessKey
            | ErrorCode::AuthFailed
            | ErrorCode::TokenExpired
            | ErrorCode::TokenNotValidYet
            | ErrorCode::TokenIssuedInFuture
            | ErrorCode::TokenSignatureInvalid => 401,
            ErrorCode::InputError | ErrorCode::EventNotSupported | ErrorCode::ChannelFeatureNotSupported => 400,
            ErrorCode::RateLimited => 429,
            ErrorCode::DoesNotExist => 404,
            ErrorCode::NotAllowed => 403,
            ErrorCode::PayloadTooBig => 413,
            ErrorCode::Unavailable => 503,
        }
    }
}

/// Where clients are sent to read about error codes.
pub const MORE_INFO: &str = "https://getstream.io/chat/docs/api_errors_response";

/// The Stream error envelope: `{code, message, StatusCode, duration, more_info, details}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiErrorBody {
    pub code: i32,
    pub message: String,
    #[serde(rename = "StatusCode")]
    pub status_code: u16,
    pub duration: String,
    pub more_info: String,
    pub details: Vec<i32>,
}

impl ApiErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiErrorBody {
            code: code.number(),
            message: message.into(),
            status_code: code.status(),
            duration: "0.00ms".to_owned(),
            more_info: MORE_INFO.to_owned(),
            details: Vec::new(),
        }
    }

    /// The socket form: `{"type":"error","error":{…}}`. The handshake rejection uses the bare
    /// `{"error":{…}}` the JS client expects as its first frame.
    pub fn to_socket_frame(&self, with_type: bool) -> String {
        let mut frame = serde_json::Map::new();
        if with_type {
            frame.insert("type".into(), "error".into());
        }
        frame.insert("error".into(), serde_json::to_value(self).unwrap_or_default());
        serde_json::Value::Object(frame).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_stream_field_names() {
        let body = ApiErrorBody::new(ErrorCode::NotAllowed, "nope");
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["code"], 17);
        assert_eq!(v["StatusCode"], 403);
        assert_eq!(v["details"], serde_json::json!([]));
        assert!(v["more_info"].as_str().unwrap().starts_with("https://"));
    }

    #[test]
    fn socket_frames() {
        let body = ApiErrorBody::new(ErrorCode::TokenExpired, "expired");
        let bare: serde_json::Value = serde_json::from_str(&body.to_socket_frame(false)).unwrap();
        assert!(bare.get("type").is_none());
        assert_eq!(bare["error"]["code"], 40);
        let typed: serde_json::Value = serde_json::from_str(&body.to_socket_frame(true)).unwrap();
        assert_eq!(typed["type"], "error");
    }
}
