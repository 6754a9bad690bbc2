//! Webhook signatures: Stream's `X-Signature` (lowercase hex HMAC-SHA256 of the body keyed with
//! the API secret) and TalkPlus's `x-talkplus-signature` (base64 HMAC-SHA256 keyed with the API key).

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn mac(key: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// `X-Signature`.
pub fn stream_signature(api_secret: &str, body: &[u8]) -> String {
    hex::encode(mac(api_secret, body))
}

/// `x-talkplus-signature`.
pub fn talkplus_signature(api_key: &str, body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(api_key, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's verification example (talkplus-webhooks.txt) must print true.
    #[test]
    fn talkplus_seed_example_matches() {
        let body = r#"{"event":"channel_added","appId":"34f633c9-b012-4ca9-b453-2a4a460f464a","channel":{"id":"webhook_test","name":"webhook_test","imageUrl":"","data":{"test":"1"},"ownerId":"test1","type":"public","category":"categoryA","subcategory":"subcategoryB","privateTag":"","invitationCode":"","isFrozen":false,"memberCount":1,"maxMemberCount":100,"hideMessagesBeforeJoin":false,"members":[{"id":"test1","username":"test1","profileImageUrl":"","disablePushNotification":false,"data":{"test":"1"},"updatedAt":1699606163973,"createdAt":1697797296688,"memberInfo":{},"lastReadAt":0,"lastSentAt":0}],"bannedUsers":[],"lastSentAt":1699606164578,"updatedAt":0,"createdAt":1699606164578,"mutedUsers":[],"pushNotificationDisabled":false,"pushNotificationSoundAOS":"","pushNotificationSoundIOS":"","privateData":null,"unreadCount":0,"lastReadAt":0,"lastMessage":null}}"#;
        let key = "92935b03e231483fc2cf75d9020f7e492c8fd9c7481eb4c79620ace7fe207d81";
        assert_eq!(talkplus_signature(key, body.as_bytes()), "i7a/Z+7iS1P6kNpnmw6P0ZSmq83LGnrtacwaffTvIdo=");
    }

    #[test]
    fn stream_signature_is_lowercase_hex() {
        let sig = stream_signature("secret", b"{}");
        assert_eq!(sig.len(), 64);
        assert_eq!(sig, sig.to_lowercase());
    }
}
