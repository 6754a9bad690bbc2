//! Vonage-style conversations (seeds/vonage-custom-event.txt): the rules a conversation custom
//! event must meet, and the ids conversations and their members carry. A conversation is the
//! channel `conversation:{CON-…}`; its members are channel members with a `MEM-…` id of their own.

/// The built-in channel type conversations live in.
pub const CONVERSATION_TYPE: &str = "conversation";
/// Every conversation custom event type starts with this.
pub const CUSTOM_PREFIX: &str = "custom:";
/// Longest event type, prefix included.
pub const MAX_TYPE_CHARS: usize = 100;
/// Largest event body, as JSON.
pub const MAX_BODY_BYTES: usize = 4096;
/// Where a member's `MEM-…` id is kept in its member record's custom data.
pub const MEMBER_ID_FIELD: &str = "vonage_member_id";

/// Checks a custom event's type against the seed's rules; the error names the rule broken.
pub fn check_event_type(kind: &str) -> Result<(), String> {
    let Some(name) = kind.strip_prefix(CUSTOM_PREFIX) else {
        return Err(format!("event type {kind:?} must begin with \"custom:\""));
    };
    let chars = kind.chars().count();
    if chars > MAX_TYPE_CHARS {
        return Err(format!("event type must not exceed {MAX_TYPE_CHARS} characters (it has {chars})"));
    }
    if name.is_empty() {
        return Err("event type needs a name after \"custom:\"".into());
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
        return Err(format!("event type must contain only alphanumerics, '-' and '_' after \"custom:\" (found {bad:?})"));
    }
    Ok(())
}

/// Checks the size of a custom event's body (its JSON text).
pub fn check_body_bytes(bytes: usize) -> Result<(), String> {
    if bytes > MAX_BODY_BYTES {
        return Err(format!("event body must not exceed {MAX_BODY_BYTES} bytes (it has {bytes})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_rules_at_their_boundaries() {
        assert!(check_event_type("custom:ok-name_1").is_ok());
        assert!(check_event_type("ok").unwrap_err().contains("begin with"));
        assert!(check_event_type("custom:").unwrap_err().contains("name"));
        let at_limit = format!("custom:{}", "a".repeat(MAX_TYPE_CHARS - CUSTOM_PREFIX.len()));
        assert!(check_event_type(&at_limit).is_ok());
        assert!(check_event_type(&format!("{at_limit}a")).unwrap_err().contains("100 characters"));
        for bad in ["custom:a b", "custom:a.b", "custom:a:b", "custom:é"] {
            assert!(check_event_type(bad).unwrap_err().contains("alphanumerics"), "{bad}");
        }
        assert!(check_body_bytes(MAX_BODY_BYTES).is_ok());
        assert!(check_body_bytes(MAX_BODY_BYTES + 1).is_err());
    }
}
