//! HS256 tokens for the bench's users and its server calls, signed with the node's API secret
//! (the same JWTs the official SDKs make: `{"user_id":…}` and `{"server":true}`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn sign(secret: &str, claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

pub fn user_token(secret: &str, user_id: &str) -> String {
    sign(secret, &serde_json::json!({ "user_id": user_id }))
}

pub fn server_token(secret: &str) -> String {
    sign(secret, &serde_json::json!({ "server": true }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_verifies_over_header_and_payload() {
        let token = server_token("secret");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[1]).unwrap(), br#"{"server":true}"#);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    }
}
