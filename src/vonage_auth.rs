//! Authentication of the Vonage-style conversation API: `Authorization: Bearer <JWT>` signed
//! RS256 with an application's private key and verified with that application's public key
//! from configuration (`vonage_application_id`, `vonage_public_key` as PEM text or a path).
//! Claims `application_id` (must be the configured one), `iat`, `exp` and `jti` are required;
//! `sub` names a user (then the event's `from` is required). Every failure is 401.

use crate::error::ApiError;
use herald_proto::ErrorCode;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Deserialize;

/// Verifies Vonage application JWTs.
#[derive(Clone)]
pub struct VonageAuth {
    application_id: String,
    key: DecodingKey,
    validation: Validation,
}

/// Who is calling: the application, on behalf of `sub` if the token names one.
#[derive(Debug, Clone)]
pub struct VonageCaller {
    pub sub: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    application_id: String,
    // required (a token without them is refused); not otherwise used
    #[allow(dead_code)]
    jti: String,
    #[allow(dead_code)]
    iat: u64,
    #[serde(default)]
    sub: Option<String>,
}

impl VonageAuth {
    /// From configuration: None when no application is configured. `public_key` is PEM text or
    /// the path of a PEM file.
    pub fn from_config(application_id: &str, public_key: &str, leeway_secs: u64) -> anyhow::Result<Option<VonageAuth>> {
        match (application_id.is_empty(), public_key.is_empty()) {
            (true, true) => return Ok(None),
            (false, false) => {}
            _ => anyhow::bail!("vonage_application_id and vonage_public_key must be set together"),
        }
        let pem = if public_key.trim_start().starts_with("-----BEGIN") {
            public_key.to_owned()
        } else {
            std::fs::read_to_string(public_key).map_err(|e| anyhow::anyhow!("vonage_public_key: cannot read {public_key}: {e}"))?
        };
        let key = DecodingKey::from_rsa_pem(pem.as_bytes())
            .map_err(|e| anyhow::anyhow!("vonage_public_key is not an RSA public key in PEM form: {e}"))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_required_spec_claims(&["exp"]);
        validation.leeway = leeway_secs;
        validation.validate_aud = false;
        Ok(Some(VonageAuth { application_id: application_id.to_owned(), key, validation }))
    }

    /// Verifies the `Authorization` header's bearer token.
    pub fn verify(&self, header: Option<&str>) -> Result<VonageCaller, ApiError> {
        let unauthorized = |msg: String| ApiError::new(ErrorCode::AuthFailed, msg);
        let token = header.and_then(|h| h.trim().strip_prefix("Bearer ")).map(str::trim).filter(|t| !t.is_empty());
        let token = token.ok_or_else(|| unauthorized("Authorization: Bearer <JWT> is required".into()))?;
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(|e| {
            unauthorized(match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired".into(),
                ErrorKind::InvalidSignature => "the token's signature does not match the application's public key".into(),
                ErrorKind::InvalidAlgorithm => "the token must be signed with RS256".into(),
                ErrorKind::MissingRequiredClaim(c) => format!("the token has no {c} claim"),
                ErrorKind::Json(_) => "the token needs application_id, iat and jti claims".into(),
                _ => format!("the token is not valid: {e}"),
            })
        })?;
        if data.claims.application_id != self.application_id {
            return Err(unauthorized("the token is for another application".into()));
        }
        Ok(VonageCaller { sub: data.claims.sub.filter(|s| !s.is_empty()) })
    }
}

/// An application token as Vonage's SDKs make one (`herald vonage-token`): RS256 over
/// `application_id`, `iat`, `exp` (`iat + ttl`), a fresh `jti`, and `sub` if given.
pub fn application_token(private_pem: &[u8], application_id: &str, sub: Option<&str>, ttl_secs: u64) -> anyhow::Result<String> {
    let key = EncodingKey::from_rsa_pem(private_pem).map_err(|e| anyhow::anyhow!("not an RSA private key in PEM form: {e}"))?;
    let now = chrono::Utc::now().timestamp();
    let mut claims = serde_json::json!({
        "application_id": application_id,
        "iat": now,
        "exp": now + ttl_secs as i64,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    if let Some(sub) = sub {
        claims["sub"] = sub.into();
    }
    Ok(jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key)?)
}
