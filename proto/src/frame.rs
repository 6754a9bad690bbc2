//! Classifying inbound socket text frames.
//!
//! A client sends three kinds of text frame:
//! - the JS heartbeat, a JSON array `[{"type":"health.check","client_id":…}]` (a bare object too);
//! - a native channel event, `{"type":"friendship_request","cid":"messaging:room1", …custom}`;
//! - anything else, which gets an error frame while the connection stays open.

use crate::JsonMap;
use serde_json::Value;

/// What an inbound text frame asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum InboundFrame {
    /// A heartbeat: answer with a `health.check`.
    HealthCheck,
    /// Publish `event` on channel `cid` (type and custom fields as sent, `cid` removed).
    ChannelEvent { cid: String, event: JsonMap },
}

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    NotJson,
    NotAnObject,
    MissingType,
    MissingCid,
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FrameError::NotJson => "frame is not valid JSON",
            FrameError::NotAnObject => "frame must be a JSON object (or the heartbeat array)",
            FrameError::MissingType => "frame has no string field \"type\"",
            FrameError::MissingCid => "channel event frames need a string field \"cid\" (\"type:id\")",
        })
    }
}

/// Parses one inbound text frame.
pub fn parse_inbound(text: &str) -> Result<InboundFrame, FrameError> {
    let value: Value = serde_json::from_str(text).map_err(|_| FrameError::NotJson)?;
    let mut obj = match value {
        Value::Object(obj) => obj,
        Value::Array(items) => {
            return match items.first() {
                Some(Value::Object(first)) if first.get("type").and_then(Value::as_str) == Some("health.check") => {
                    Ok(InboundFrame::HealthCheck)
                }
                _ => Err(FrameError::NotAnObject),
            }
        }
        _ => return Err(FrameError::NotAnObject),
    };
    match obj.get("type").and_then(Value::as_str) {
        None => return Err(FrameError::MissingType),
        Some("health.check") => return Ok(InboundFrame::HealthCheck),
        Some(_) => {}
    }
    match obj.remove("cid") {
        Some(Value::String(cid)) => Ok(InboundFrame::ChannelEvent { cid, event: obj }),
        _ => Err(FrameError::MissingCid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_array_and_object() {
        assert_eq!(parse_inbound(r#"[{"type":"health.check","client_id":"a--1"}]"#), Ok(InboundFrame::HealthCheck));
        assert_eq!(parse_inbound(r#"{"type":"health.check"}"#), Ok(InboundFrame::HealthCheck));
    }

    #[test]
    fn native_channel_event() {
        let f = parse_inbound(r#"{"type":"friendship_request","cid":"messaging:r1","text":"hi"}"#).unwrap();
        let InboundFrame::ChannelEvent { cid, event } = f else { panic!() };
        assert_eq!(cid, "messaging:r1");
        assert_eq!(event["text"], "hi");
        assert!(!event.contains_key("cid"));
    }

    #[test]
    fn bad_frames() {
        assert_eq!(parse_inbound("{nope"), Err(FrameError::NotJson));
        assert_eq!(parse_inbound("3"), Err(FrameError::NotAnObject));
        assert_eq!(parse_inbound("[1]"), Err(FrameError::NotAnObject));
        assert_eq!(parse_inbound(r#"{"cid":"a:b"}"#), Err(FrameError::MissingType));
        assert_eq!(parse_inbound(r#"{"type":"x"}"#), Err(FrameError::MissingCid));
    }
}
