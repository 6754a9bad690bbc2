//! Users: upsert, partial update, query, and the implicit upserts (connect, acting users).
//! Changes to an existing user publish `user.updated` to the user's connections and followers.

use super::views::{bare_event, user_json};
use super::{Caller, Chat, ChatError, ChatResult};
use crate::bus::{Route, Topic};
use crate::clock;
use herald_proto::api::PartialUpdateUser;
use herald_proto::limits::{QUERY_USERS_DEFAULT_LIMIT, QUERY_USERS_MAX_LIMIT};
use herald_proto::user::{valid_user_id, User, UserInput};
use herald_proto::JsonMap;
use serde_json::Value;
use std::collections::BTreeMap;

impl Chat {
    /// The user with this id, created with defaults if unknown.
    pub async fn ensure_user(&self, id: &str) -> ChatResult<User> {
        if !valid_user_id(id) {
            return Err(ChatError::input(format!("user id {id:?} is not valid")));
        }
        let now = clock::now();
        let input = UserInput { id: id.to_owned(), role: None, teams: None, invisible: None, custom: JsonMap::new() };
        let user =
            self.store().update_user(id, &|current| if current.is_some() { None } else { Some(User::create(input.clone(), &now)) }).await?;
        user.ok_or_else(|| ChatError::new(herald_proto::ErrorCode::Internal, "user vanished"))
    }

    /// The user with this id, or 404 (code 16).
    pub async fn existing_user(&self, id: &str) -> ChatResult<User> {
        self.store().get_user(id).await?.ok_or_else(|| ChatError::not_found(format!("user {id:?} does not exist")))
    }

    /// Connect upserts the user: custom fields of `user_details` are added or overwritten.
    pub async fn upsert_on_connect(&self, details: JsonMap) -> ChatResult<User> {
        let input = UserInput::parse(details).map_err(|e| ChatError::input(e.to_string()))?;
        let now = clock::now();
        let before = self.store().get_user(&input.id).await?;
        if let Some(gone) =
            before.as_ref().and_then(|b| b.deactivated_at.as_ref().map(|_| "deactivated").or(b.deleted_at.as_ref().map(|_| "deleted")))
        {
            return Err(ChatError::forbidden(format!("user {:?} was {gone} and cannot connect", input.id)));
        }
        let user = self
            .store()
            .update_user(&input.id, &|current| match current {
                None => Some(User::create(input.clone(), &now)),
                Some(u) => {
                    let mut u = u.clone();
                    u.merge_details(input.clone(), &now).then_some(u)
                }
            })
            .await?
            .ok_or_else(|| ChatError::new(herald_proto::ErrorCode::Internal, "user vanished"))?;
        if before.is_some_and(|b| b.custom != user.custom) {
            self.announce_user_updated(&user).await?;
        }
        Ok(user)
    }

    /// `POST /users`: `users` is a map id → user (or a list). Replaces custom data.
    pub async fn upsert_users(&self, caller: &Caller, users: Value) -> ChatResult<BTreeMap<String, User>> {
        let objects: Vec<JsonMap> = match users {
            Value::Object(map) => map.into_iter().map(|(id, v)| with_id(id, v)).collect::<ChatResult<_>>()?,
            Value::Array(list) => list.into_iter().map(as_object).collect::<ChatResult<_>>()?,
            _ => return Err(ChatError::input("users must be a map of user id to user object")),
        };
        if objects.is_empty() {
            return Err(ChatError::input("users must contain at least one user"));
        }
        let inputs: Vec<UserInput> =
            objects.into_iter().map(|o| UserInput::parse(o).map_err(|e| ChatError::input(e.to_string()))).collect::<ChatResult<_>>()?;
        for input in &inputs {
            self.check_self_service(caller, &input.id, input.role.is_some()).await?;
        }
        let now = clock::now();
        let mut out = BTreeMap::new();
        for input in inputs {
            let existed = self.store().get_user(&input.id).await?.is_some();
            let user = self
                .store()
                .update_user(&input.id, &|current| {
                    Some(match current {
                        None => User::create(input.clone(), &now),
                        Some(u) => {
                            let mut u = u.clone();
                            u.replace_with(input.clone(), &now);
                            u
                        }
                    })
                })
                .await?
                .ok_or_else(|| ChatError::new(herald_proto::ErrorCode::Internal, "user vanished"))?;
            if existed {
                self.announce_user_updated(&user).await?;
            }
            out.insert(user.id.clone(), user);
        }
        Ok(out)
    }

    /// `PATCH /users`: set/unset fields of existing users.
    pub async fn update_users_partial(&self, caller: &Caller, updates: Vec<PartialUpdateUser>) -> ChatResult<BTreeMap<String, User>> {
        if updates.is_empty() {
            return Err(ChatError::input("users must contain at least one update"));
        }
        for u in &updates {
            self.check_self_service(caller, &u.id, u.set.contains_key("role")).await?;
            self.existing_user(&u.id).await?;
        }
        let now = clock::now();
        let mut out = BTreeMap::new();
        for u in updates {
            let user = self
                .store()
                .update_user(&u.id, &|current| {
                    let mut user = current?.clone();
                    user.apply_partial(&u.set, &u.unset, &now);
                    Some(user)
                })
                .await?
                .ok_or_else(|| ChatError::not_found(format!("user {:?} does not exist", u.id)))?;
            self.announce_user_updated(&user).await?;
            out.insert(user.id.clone(), user);
        }
        Ok(out)
    }

    /// `GET /users`: filter on `id` (`$eq`, `$in`, or a plain value), `role`, or custom fields
    /// (`$eq`/`$in`); sorted by id.
    pub async fn query_users(&self, filter: &JsonMap, limit: Option<usize>, offset: Option<usize>) -> ChatResult<Vec<User>> {
        let limit = limit.unwrap_or(QUERY_USERS_DEFAULT_LIMIT).min(QUERY_USERS_MAX_LIMIT);
        let offset = offset.unwrap_or(0);
        let candidates = match filter.get("id").map(match_values) {
            Some(Some(ids)) => {
                let mut ids: Vec<String> = ids.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
                ids.sort();
                ids.dedup();
                self.store().get_users(&ids).await?
            }
            Some(None) => return Err(ChatError::input("filter on id supports $eq, $in or a plain value")),
            None => self.store().list_users().await?,
        };
        let mut users = Vec::new();
        for user in candidates {
            if user_matches(&user, filter)? {
                users.push(user);
            }
        }
        Ok(users.into_iter().skip(offset).take(limit).collect())
    }

    /// Publishes `user.updated` to the user's connections and presence followers.
    pub(crate) async fn announce_user_updated(&self, user: &User) -> ChatResult<()> {
        let mut event = bare_event("user.updated");
        event.insert("user".into(), user_json(user));
        self.publish(Topic::user(&user.id), Route::Presence { own: true }, &event).await
    }

    /// A user token may change only its own user, and never its role.
    async fn check_self_service(&self, caller: &Caller, target: &str, sets_role: bool) -> ChatResult<()> {
        let Caller::User(me) = caller else { return Ok(()) };
        if let Some(user) = self.store().get_user(me).await? {
            if user.is_admin() {
                return Ok(());
            }
        }
        if me != target {
            return Err(ChatError::forbidden(format!("user {me:?} may not update user {target:?}")));
        }
        if sets_role {
            return Err(ChatError::forbidden("users may not change their own role"));
        }
        Ok(())
    }
}

fn with_id(id: String, v: Value) -> ChatResult<JsonMap> {
    let mut obj = as_object(v)?;
    obj.entry("id").or_insert_with(|| id.into());
    Ok(obj)
}

fn as_object(v: Value) -> ChatResult<JsonMap> {
    match v {
        Value::Object(o) => Ok(o),
        other => Err(ChatError::input(format!("expected a user object, got {other}"))),
    }
}

/// The values a filter condition matches: a plain value, `{"$eq": v}` or `{"$in": [..]}`.
pub(crate) fn match_values(cond: &Value) -> Option<Vec<Value>> {
    match cond {
        Value::Object(ops) if ops.len() == 1 => match ops.iter().next()? {
            (op, v) if op == "$eq" => Some(vec![v.clone()]),
            (op, Value::Array(vs)) if op == "$in" => Some(vs.clone()),
            _ => None,
        },
        Value::Object(_) | Value::Array(_) => None,
        v => Some(vec![v.clone()]),
    }
}

fn user_matches(user: &User, filter: &JsonMap) -> ChatResult<bool> {
    let as_json = user_json(user);
    for (field, cond) in filter {
        let wanted =
            match_values(cond).ok_or_else(|| ChatError::input(format!("unsupported filter on {field:?}: use $eq, $in or a value")))?;
        let actual = as_json.get(field).cloned().unwrap_or(Value::Null);
        if !wanted.contains(&actual) {
            return Ok(false);
        }
    }
    Ok(true)
}
