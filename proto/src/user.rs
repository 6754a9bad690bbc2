//! The user record herald stores and returns (Stream's `UserResponse`), and how input maps onto it.
//!
//! Custom fields are flattened; fields herald manages (`online`, `created_at`, …) are never taken
//! from input.

use crate::JsonMap;
use serde::{Deserialize, Serialize};

/// Role given to users created without one.
pub const DEFAULT_ROLE: &str = "user";
/// Role that may do anything a server token may do on behalf of itself.
pub const ADMIN_ROLE: &str = "admin";

/// Fields of a user object that are never custom data.
pub const MANAGED_FIELDS: &[&str] = &[
    "id",
    "role",
    "teams",
    "created_at",
    "updated_at",
    "last_active",
    "online",
    "banned",
    "invisible",
    "deactivated_at",
    "deleted_at",
    "anon",
    "ban_expires",
    "shadow_banned",
];

/// A stored user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub id: String,
    pub role: String,
    #[serde(default)]
    pub teams: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active: Option<String>,
    #[serde(default)]
    pub online: bool,
    #[serde(default)]
    pub banned: bool,
    #[serde(default)]
    pub invisible: bool,
    /// When a global ban with a timeout ends (moderation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ban_expires: Option<String>,
    /// Set while the user is deactivated: no connections, no messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivated_at: Option<String>,
    /// Set once the user is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    #[serde(flatten)]
    pub custom: JsonMap,
}

/// Why a user object from a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserInputError {
    MissingId,
    BadId(String),
}

impl std::fmt::Display for UserInputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserInputError::MissingId => write!(f, "user.id is a required field"),
            UserInputError::BadId(id) => write!(f, "user id {id:?} is not valid: 1 to 255 characters of letters, digits, @ _ - . !"),
        }
    }
}

/// True for ids herald accepts: non-empty, at most 255 chars, `[A-Za-z0-9@_\-.!]` (Stream's rule).
pub fn valid_user_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= crate::limits::MAX_USER_ID_CHARS
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '_' | '-' | '.' | '!'))
}

/// The parts of a user object a caller may set.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInput {
    pub id: String,
    pub role: Option<String>,
    pub teams: Option<Vec<String>>,
    pub invisible: Option<bool>,
    pub custom: JsonMap,
}

impl UserInput {
    /// Splits a user object into the settable fields and custom data.
    pub fn parse(mut obj: JsonMap) -> Result<UserInput, UserInputError> {
        let id = match obj.get("id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => return Err(UserInputError::MissingId),
        };
        if !valid_user_id(&id) {
            return Err(UserInputError::BadId(id));
        }
        let role = obj.get("role").and_then(|v| v.as_str()).map(str::to_owned);
        let teams = obj.get("teams").and_then(|v| serde_json::from_value(v.clone()).ok());
        let invisible = obj.get("invisible").and_then(|v| v.as_bool());
        obj.retain(|k, _| !MANAGED_FIELDS.contains(&k.as_str()));
        Ok(UserInput { id, role, teams, invisible, custom: obj })
    }
}

impl User {
    /// A new user from input, created now.
    pub fn create(input: UserInput, now: &str) -> User {
        User {
            id: input.id,
            role: input.role.unwrap_or_else(|| DEFAULT_ROLE.to_owned()),
            teams: input.teams.unwrap_or_default(),
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            last_active: None,
            online: false,
            banned: false,
            invisible: input.invisible.unwrap_or(false),
            ban_expires: None,
            deactivated_at: None,
            deleted_at: None,
            custom: input.custom,
        }
    }

    /// Upsert semantics (Stream's `POST /users`): custom data is replaced, role/teams kept unless given.
    pub fn replace_with(&mut self, input: UserInput, now: &str) {
        if let Some(role) = input.role {
            self.role = role;
        }
        if let Some(teams) = input.teams {
            self.teams = teams;
        }
        if let Some(invisible) = input.invisible {
            self.invisible = invisible;
        }
        self.custom = input.custom;
        self.updated_at = now.to_owned();
    }

    /// Connect semantics: `user_details` add or overwrite custom fields, never remove them.
    pub fn merge_details(&mut self, input: UserInput, now: &str) -> bool {
        let mut changed = false;
        for (k, v) in input.custom {
            if self.custom.get(&k) != Some(&v) {
                self.custom.insert(k, v);
                changed = true;
            }
        }
        if changed {
            self.updated_at = now.to_owned();
        }
        changed
    }

    /// Partial update (`PATCH /users`): `set` then `unset`. Managed fields other than role/teams/invisible are ignored.
    pub fn apply_partial(&mut self, set: &JsonMap, unset: &[String], now: &str) {
        for (k, v) in set {
            match k.as_str() {
                "role" => {
                    if let Some(r) = v.as_str() {
                        self.role = r.to_owned();
                    }
                }
                "teams" => {
                    if let Ok(t) = serde_json::from_value(v.clone()) {
                        self.teams = t;
                    }
                }
                "invisible" => self.invisible = v.as_bool().unwrap_or(self.invisible),
                k if MANAGED_FIELDS.contains(&k) => {}
                _ => {
                    self.custom.insert(k.clone(), v.clone());
                }
            }
        }
        for k in unset {
            self.custom.remove(k);
        }
        self.updated_at = now.to_owned();
    }

    pub fn is_admin(&self) -> bool {
        self.role == ADMIN_ROLE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: serde_json::Value) -> JsonMap {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn managed_fields_never_become_custom() {
        let input = UserInput::parse(obj(json!({"id":"alice","name":"Alice","online":true,"created_at":"x"}))).unwrap();
        let user = User::create(input, "now");
        assert!(!user.online);
        assert_eq!(user.created_at, "now");
        assert_eq!(user.custom, obj(json!({"name":"Alice"})));
        let v = serde_json::to_value(&user).unwrap();
        assert_eq!(v["name"], "Alice");
        assert_eq!(v["role"], "user");
    }

    #[test]
    fn ids_are_checked() {
        assert_eq!(UserInput::parse(obj(json!({"name":"x"}))), Err(UserInputError::MissingId));
        assert!(matches!(UserInput::parse(obj(json!({"id":"a b"}))), Err(UserInputError::BadId(_))));
        assert!(UserInput::parse(obj(json!({"id":"a@b.c-d_!"}))).is_ok());
    }

    #[test]
    fn partial_update_sets_and_unsets() {
        let mut user = User::create(UserInput::parse(obj(json!({"id":"a","color":"red","age":3}))).unwrap(), "t0");
        user.apply_partial(&obj(json!({"color":"blue","role":"admin","online":true})), &["age".into()], "t1");
        assert_eq!(user.custom, obj(json!({"color":"blue"})));
        assert_eq!(user.role, "admin");
        assert!(!user.online);
        assert_eq!(user.updated_at, "t1");
    }
}
