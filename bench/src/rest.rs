//! The REST calls the bench makes (setup, watching, REST publishing), over one awc client per
//! process. Every call checks the status and turns a refusal into an error that quotes the node's
//! Stream error envelope.

use std::time::Duration;

/// How a call authenticates.
pub enum Auth<'a> {
    /// A user token (`stream-auth-type: jwt`).
    User(&'a str),
    /// A server token.
    Server(&'a str),
}

pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .connector(awc::Connector::new().limit(512).timeout(Duration::from_secs(10)))
        .finish()
}

/// POSTs `body` to `{base}{path}` (`path` without the query); `query` is appended after
/// `api_key`. Ok when the node answered 2xx.
pub async fn post(
    client: &awc::Client,
    base: &str,
    api_key: &str,
    path: &str,
    query: &str,
    auth: Auth<'_>,
    body: &serde_json::Value,
) -> Result<(), String> {
    let url = format!("{base}{path}?api_key={api_key}{query}");
    let token = match auth {
        Auth::User(t) | Auth::Server(t) => t,
    };
    let mut res = client
        .post(&url)
        .insert_header(("Authorization", token))
        .insert_header(("stream-auth-type", "jwt"))
        .insert_header(("X-Stream-Client", "herald-bench"))
        .send_json(body)
        .await
        .map_err(|e| format!("POST {path}: {e}"))?;
    if res.status().is_success() {
        // Read the body so the connection goes back to the pool.
        let _ = res.body().limit(16 << 20).await;
        return Ok(());
    }
    let status = res.status();
    let text = res.body().limit(64 << 10).await.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    Err(format!("POST {path}: {status} {text}"))
}

/// Percent-encodes a query value.
pub fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Host and port of an `http://host:port` base URL (port 80 when absent).
pub fn host_port(base: &str) -> Result<(String, u16), String> {
    let rest = base.strip_prefix("http://").ok_or_else(|| format!("{base:?}: only http:// node URLs are supported"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    match authority.rsplit_once(':') {
        Some((host, port)) => Ok((host.to_owned(), port.parse().map_err(|_| format!("{base:?}: bad port"))?)),
        None if !authority.is_empty() => Ok((authority.to_owned(), 80)),
        None => Err(format!("{base:?}: no host")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encoding_and_urls() {
        assert_eq!(encode_query(r#"{"a":"b c"}"#), "%7B%22a%22%3A%22b%20c%22%7D");
        assert_eq!(host_port("http://127.0.0.1:8080").unwrap(), ("127.0.0.1".into(), 8080));
        assert_eq!(host_port("http://node-1").unwrap(), ("node-1".into(), 80));
        assert!(host_port("https://x").is_err());
    }
}
