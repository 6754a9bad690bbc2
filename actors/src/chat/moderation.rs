//! What the moderation modules share: the record families they keep in the
//! [`crate::store::RecordStore`], timeouts and expiry, and reading lenient request bodies.
//! Used by [`super::bans`], [`super::mutes`], [`super::flags`], [`super::user_lifecycle`].

use super::{ChatError, ChatResult};
use chrono::{DateTime, Duration, Utc};
use herald_proto::JsonMap;
use serde_json::Value;

/// Record families.
pub(crate) const BANS: &str = "bans";
pub(crate) const MUTES: &str = "mutes";
pub(crate) const FLAGS: &str = "flags";

/// The time `minutes` from now, as herald writes timestamps.
pub(crate) fn after_minutes(minutes: f64) -> String {
    let at = Utc::now() + Duration::milliseconds((minutes * 60_000.0) as i64);
    at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// Unix milliseconds of a timestamp.
pub(crate) fn millis(ts: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(ts).ok().map(|t| t.timestamp_millis())
}

/// True when `expires` (if any) is in the past.
pub(crate) fn expired(expires: Option<&str>) -> bool {
    expires.and_then(millis).is_some_and(|at| at <= Utc::now().timestamp_millis())
}

/// A string field (absent, null or empty: None).
pub(crate) fn str_field(body: &JsonMap, key: &str) -> Option<String> {
    match body.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// A boolean field; query strings send `"true"`/`"false"`.
pub(crate) fn bool_field(body: &JsonMap, key: &str) -> bool {
    match body.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || s == "1",
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
        _ => false,
    }
}

/// A timeout in minutes: absent or null means none; it must be a positive number.
pub(crate) fn timeout_field(body: &JsonMap, key: &str) -> ChatResult<Option<f64>> {
    let minutes = match body.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.parse::<f64>().ok(),
        Some(_) => None,
    };
    match minutes {
        Some(m) if m > 0.0 && m.is_finite() => Ok(Some(m)),
        Some(0.0) => Ok(None),
        _ => Err(ChatError::input(format!("{key} must be a positive number of minutes"))),
    }
}

/// A user id from `key` or `{key without _id}.id` (`banned_by_id` / `banned_by: {id}`).
pub(crate) fn user_field(body: &JsonMap, key: &str) -> Option<String> {
    str_field(body, key).or_else(|| {
        let obj = body.get(key.strip_suffix("_id").unwrap_or(key))?.as_object()?;
        str_field(obj, "id")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timeouts_and_expiry() {
        let body = json!({"a": 5, "b": "2", "c": -1, "d": null, "e": "x"}).as_object().unwrap().clone();
        assert_eq!(timeout_field(&body, "a").unwrap(), Some(5.0));
        assert_eq!(timeout_field(&body, "b").unwrap(), Some(2.0));
        assert!(timeout_field(&body, "c").is_err());
        assert!(timeout_field(&body, "e").is_err());
        assert_eq!(timeout_field(&body, "d").unwrap(), None);
        assert!(!expired(Some(&after_minutes(1.0))));
        assert!(expired(Some("2020-01-01T00:00:00Z")));
        assert!(!expired(None));
    }
}
