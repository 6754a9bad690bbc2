//! Configuration: built-in defaults (`default.toml`, embedded) → `--config FILE` → `HERALD_*`
//! environment variables (`__` for nesting). The names `HERALD_LISTEN`, `HERALD_API_KEY`,
//! `HERALD_API_SECRET`, `HERALD_REDIS_URL`, `HERALD_NODE_ID`, `HERALD_LOG` are a public contract.

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer, Serialize};
use std::path::Path;

/// The embedded defaults.
pub const DEFAULT_TOML: &str = include_str!("default.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub listen: String,
    #[serde(deserialize_with = "lenient_string")]
    pub api_key: String,
    #[serde(deserialize_with = "lenient_string")]
    pub api_secret: String,
    pub redis_url: String,
    #[serde(deserialize_with = "lenient_string")]
    pub node_id: String,
    pub log: String,
    pub workers: usize,
    #[serde(deserialize_with = "lenient_string")]
    pub vonage_application_id: String,
    pub vonage_public_key: String,
    pub limits: Limits,
    pub timing: Timing,
    pub cluster: Cluster,
    pub webhooks: Webhooks,
}

/// `[webhooks]`: delivery settings and the endpoints the Store is seeded with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Webhooks {
    pub url: String,
    pub events: Vec<String>,
    pub hooks: Vec<ConfigHook>,
    pub talkplus_app_id: String,
    pub timeout_ms: u64,
    pub retry_delays_ms: Vec<u64>,
    pub queue_capacity: usize,
    pub lanes: u32,
    pub settings_refresh_ms: u64,
    pub lease_ms: u64,
    pub poll_ms: u64,
    pub dead_letters_kept: usize,
}

/// `[[webhooks.hooks]]`: one endpoint from the config file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigHook {
    pub id: String,
    pub url: String,
    #[serde(default)]
    pub format: herald_proto::app::HookFormat,
    #[serde(default)]
    pub event_types: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cluster {
    pub redis_prefix: String,
    pub node_timeout_secs: u64,
    pub redis_timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Limits {
    pub max_event_bytes: usize,
    pub max_frame_bytes: usize,
    pub session_mailbox: usize,
    pub max_body_bytes: usize,
    pub max_presence_follows: usize,
    pub max_conversation_events: usize,
    pub max_channel_messages: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timing {
    pub heartbeat_secs: u64,
    /// `user.unread_message_reminder` after a user has had unread messages this long while
    /// offline; 0 switches reminders off.
    #[serde(default = "default_unread_reminder_secs")]
    pub unread_reminder_secs: u64,
    pub client_timeout_secs: u64,
    pub jwt_leeway_secs: u64,
    pub shutdown_timeout_secs: u64,
}

impl Config {
    /// Defaults, then the file (if any), then the environment; validated.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = file {
            if !path.exists() {
                anyhow::bail!("config file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file(path));
        }
        let config: Config = figment.merge(Env::prefixed("HERALD_").split("__")).extract()?;
        config.validate()?;
        Ok(config)
    }

    /// The defaults alone (tests start from these).
    pub fn defaults() -> Config {
        Figment::from(Toml::string(DEFAULT_TOML)).extract().expect("embedded defaults are valid")
    }

    /// Checks values that would make a node misbehave; names the key at fault.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.listen.parse::<std::net::SocketAddr>().is_ok(),
            "listen: {:?} is not an address like 127.0.0.1:8080",
            self.listen
        );
        anyhow::ensure!(!self.api_key.is_empty(), "api_key must not be empty");
        anyhow::ensure!((1..=30).contains(&self.timing.heartbeat_secs), "timing.heartbeat_secs must be between 1 and 30");
        anyhow::ensure!(
            self.timing.client_timeout_secs > self.timing.heartbeat_secs,
            "timing.client_timeout_secs must exceed timing.heartbeat_secs"
        );
        anyhow::ensure!(self.limits.max_event_bytes > 0, "limits.max_event_bytes must be positive");
        anyhow::ensure!(
            self.limits.max_frame_bytes >= self.limits.max_event_bytes,
            "limits.max_frame_bytes must be at least limits.max_event_bytes"
        );
        anyhow::ensure!(
            self.limits.max_frame_bytes <= herald_proto::limits::MAX_TRANSPORT_FRAME_BYTES,
            "limits.max_frame_bytes must be at most 1 MiB"
        );
        anyhow::ensure!(self.limits.session_mailbox >= 16, "limits.session_mailbox must be at least 16");
        anyhow::ensure!(self.limits.max_channel_messages >= 1, "limits.max_channel_messages must be at least 1");
        anyhow::ensure!(
            self.redis_url.is_empty() || self.redis_url.starts_with("redis://") || self.redis_url.starts_with("unix://"),
            "redis_url must start with redis:// (or unix://), got {:?}",
            redact_url(&self.redis_url)
        );
        anyhow::ensure!(
            !self.cluster.redis_prefix.is_empty() && !self.cluster.redis_prefix.contains(char::is_whitespace),
            "cluster.redis_prefix must be a non-empty word"
        );
        anyhow::ensure!((1..=64).contains(&self.webhooks.lanes), "webhooks.lanes must be between 1 and 64");
        anyhow::ensure!(self.webhooks.timeout_ms >= 10, "webhooks.timeout_ms must be at least 10");
        anyhow::ensure!(self.webhooks.queue_capacity >= 1, "webhooks.queue_capacity must be at least 1");
        anyhow::ensure!(
            self.webhooks.lease_ms >= 3 * self.webhooks.poll_ms.max(1),
            "webhooks.lease_ms must be at least 3 times webhooks.poll_ms"
        );
        anyhow::ensure!(self.cluster.node_timeout_secs >= 2, "cluster.node_timeout_secs must be at least 2");
        anyhow::ensure!((50..=60_000).contains(&self.cluster.redis_timeout_ms), "cluster.redis_timeout_ms must be between 50 and 60000");
        Ok(())
    }

    /// The effective configuration as TOML, with the secret redacted.
    pub fn to_redacted_toml(&self) -> String {
        let mut shown = self.clone();
        if !shown.api_secret.is_empty() {
            shown.api_secret = "<redacted>".into();
        }
        if shown.vonage_public_key.trim_start().starts_with("-----BEGIN") {
            shown.vonage_public_key = "<PEM text>".into();
        }
        shown.redis_url = redact_url(&shown.redis_url);
        toml::to_string(&shown).unwrap_or_else(|e| format!("# could not render: {e}"))
    }
}

fn default_unread_reminder_secs() -> u64 {
    3600
}

/// A URL with its password (if any) replaced, for logs and `print-config`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}<redacted>{}", &url[..scheme + 3], &url[at..]),
        _ => url.to_owned(),
    }
}

/// Accepts numbers where a string is expected (`HERALD_API_KEY=12345` arrives as a number).
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Int(i64),
        Float(f64),
        Bool(bool),
    }
    Ok(match Scalar::deserialize(d)? {
        Scalar::Text(s) => s,
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Bool(b) => b.to_string(),
    })
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closure type is figment's
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_contract() {
        let c = Config::defaults();
        c.validate().unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert!(c.api_secret.is_empty());
        assert!(c.timing.heartbeat_secs <= 30);
    }

    #[test]
    fn env_overrides_file_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("h.toml", "listen = \"127.0.0.1:9000\"\napi_key = \"filekey\"\n[limits]\nmax_event_bytes = 100\n")?;
            jail.set_env("HERALD_API_KEY", "12345");
            jail.set_env("HERALD_API_SECRET", "s3cret");
            jail.set_env("HERALD_TIMING__HEARTBEAT_SECS", "5");
            let c = Config::load(Some(Path::new("h.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, "127.0.0.1:9000");
            assert_eq!(c.api_key, "12345");
            assert_eq!(c.api_secret, "s3cret");
            assert_eq!(c.limits.max_event_bytes, 100);
            assert_eq!(c.timing.heartbeat_secs, 5);
            assert!(!c.to_redacted_toml().contains("s3cret"));
            Ok(())
        });
    }

    #[test]
    fn bad_values_name_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("HERALD_TIMING__HEARTBEAT_SECS", "45");
            let err = Config::load(None).unwrap_err().to_string();
            assert!(err.contains("heartbeat_secs"), "{err}");
            Ok(())
        });
    }
}
