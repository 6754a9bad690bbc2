//! Authentication: the `api_key`, and HS256 JWTs — user tokens (`user_id`, optional
//! `exp`/`nbf`/`iat`) and server tokens (`{"server": true}`). The algorithm is pinned; time
//! claims are checked here so each failure gets Stream's code (40 expired, 41 not yet valid,
//! 42 issued in the future, 43 bad signature, 5 anything else).

use crate::error::ApiError;
use herald_actors::chat::Caller;
use herald_proto::ErrorCode;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashSet;

#[derive(Clone)]
pub struct Authenticator {
    api_key: String,
    decoding: DecodingKey,
    encoding: EncodingKey,
    leeway: i64,
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    user_id: Option<Value>,
    #[serde(default)]
    server: Option<Value>,
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    nbf: Option<f64>,
    #[serde(default)]
    iat: Option<f64>,
}

impl Authenticator {
    pub fn new(api_key: &str, secret: &str, leeway_secs: u64) -> Self {
        Authenticator {
            api_key: api_key.to_owned(),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            leeway: leeway_secs as i64,
        }
    }

    /// 401 code 2 unless `given` is the app's key.
    pub fn check_api_key(&self, given: Option<&str>) -> Result<(), ApiError> {
        match given {
            Some(k) if k == self.api_key => Ok(()),
            Some(_) => Err(ApiError::new(ErrorCode::AccessKey, "api_key not valid")),
            None => Err(ApiError::new(ErrorCode::AccessKey, "api_key is missing: add ?api_key=<key> to the request")),
        }
    }

    /// Verifies a token and says who is calling.
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        let token = token.trim();
        let token = token.strip_prefix("Bearer ").unwrap_or(token);
        if token.is_empty() {
            return Err(ApiError::new(
                ErrorCode::AuthFailed,
                "JWTAuth error: a token is required (Authorization header or authorization query parameter)",
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims = HashSet::new();
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => ApiError::new(
                ErrorCode::TokenSignatureInvalid,
                "JWTAuth error: signature is not valid. Make sure the token is created using the secret key from the app",
            ),
            ErrorKind::InvalidAlgorithm => {
                ApiError::new(ErrorCode::TokenSignatureInvalid, "JWTAuth error: tokens must be signed with HS256")
            }
            _ => ApiError::new(ErrorCode::AuthFailed, format!("JWTAuth error: token is malformed ({e})")),
        })?;
        let claims = claims.claims;
        let now = chrono::Utc::now().timestamp();
        if claims.exp.is_some_and(|exp| (exp as i64) + self.leeway < now) {
            return Err(ApiError::new(ErrorCode::TokenExpired, "JWTAuth error: token has expired"));
        }
        if claims.nbf.is_some_and(|nbf| (nbf as i64) - self.leeway > now) {
            return Err(ApiError::new(ErrorCode::TokenNotValidYet, "JWTAuth error: token is not valid yet (nbf)"));
        }
        if claims.iat.is_some_and(|iat| (iat as i64) - self.leeway > now) {
            return Err(ApiError::new(ErrorCode::TokenIssuedInFuture, "JWTAuth error: token used before issue at (iat)"));
        }
        if claims.server.as_ref().and_then(Value::as_bool) == Some(true) {
            return Ok(Caller::Server);
        }
        match claims.user_id {
            Some(Value::String(id)) if !id.is_empty() => Ok(Caller::User(id)),
            Some(Value::Number(n)) => Ok(Caller::User(n.to_string())),
            _ => Err(ApiError::new(ErrorCode::AuthFailed, "JWTAuth error: token has neither user_id nor server claim")),
        }
    }

    /// A user token, valid for `ttl_secs` when given.
    pub fn user_token(&self, user_id: &str, ttl_secs: Option<u64>) -> String {
        let now = chrono::Utc::now().timestamp();
        let mut claims = serde_json::json!({ "user_id": user_id });
        if let Some(ttl) = ttl_secs {
            claims["iat"] = now.into();
            claims["exp"] = (now + ttl as i64).into();
        }
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).expect("HS256 signing cannot fail")
    }

    /// A server token (`{"server": true}`).
    pub fn server_token(&self) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &serde_json::json!({"server": true}), &self.encoding)
            .expect("HS256 signing cannot fail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(claims: Value, secret: &str) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
    }

    fn code(r: Result<Caller, ApiError>) -> i32 {
        r.unwrap_err().0.code.number()
    }

    #[test]
    fn tokens_and_codes() {
        let a = Authenticator::new("key", "secret", 0);
        let now = chrono::Utc::now().timestamp();
        assert_eq!(a.verify(&a.user_token("alice", None)).unwrap(), Caller::User("alice".into()));
        assert_eq!(a.verify(&a.user_token("alice", Some(60))).unwrap(), Caller::User("alice".into()));
        assert_eq!(a.verify(&a.server_token()).unwrap(), Caller::Server);
        assert_eq!(a.verify(&format!("Bearer {}", a.server_token())).unwrap(), Caller::Server);
        assert_eq!(code(a.verify(&sign(serde_json::json!({"user_id":"a","exp": now - 10}), "secret"))), 40);
        assert_eq!(code(a.verify(&sign(serde_json::json!({"user_id":"a","nbf": now + 100}), "secret"))), 41);
        assert_eq!(code(a.verify(&sign(serde_json::json!({"user_id":"a","iat": now + 100}), "secret"))), 42);
        assert_eq!(code(a.verify(&sign(serde_json::json!({"user_id":"a"}), "other"))), 43);
        assert_eq!(code(a.verify("not.a.jwt")), 5);
        assert_eq!(code(a.verify("")), 5);
        assert_eq!(code(a.verify(&sign(serde_json::json!({"foo":1}), "secret"))), 5);
        let hs512 =
            jsonwebtoken::encode(&Header::new(Algorithm::HS512), &serde_json::json!({"user_id":"a"}), &EncodingKey::from_secret(b"secret"))
                .unwrap();
        assert_eq!(code(a.verify(&hs512)), 43);
    }

    #[test]
    fn api_keys() {
        let a = Authenticator::new("key", "secret", 0);
        assert!(a.check_api_key(Some("key")).is_ok());
        assert_eq!(a.check_api_key(Some("nope")).unwrap_err().0.code.number(), 2);
        assert_eq!(a.check_api_key(None).unwrap_err().0.code.number(), 2);
    }
}
