//! Middleware that tells the event tap which request caused an event (Stream's webhook
//! `request_info`): `type` server or client (from the token's claims, unverified: it is only
//! informational), the peer IP, `User-Agent` and `X-Stream-Client`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use base64::Engine;
use herald_actors::chat::tap::{RequestInfo, REQUEST_INFO};
use std::sync::Arc;

fn header(req: &ServiceRequest, name: &str) -> String {
    req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// Whether the JWT's claims say `"server": true`.
fn server_token(token: &str) -> bool {
    let claims = token.split('.').nth(1).unwrap_or("");
    let Ok(raw) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(claims.trim_end_matches('=')) else { return false };
    serde_json::from_slice::<serde_json::Value>(&raw).ok().and_then(|c| c.get("server").and_then(|s| s.as_bool())).unwrap_or(false)
}

pub async fn request_info(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let info = RequestInfo {
        kind: if server_token(&header(&req, "authorization")) { "server" } else { "client" },
        ip: req.connection_info().realip_remote_addr().map(|a| a.rsplit_once(':').map_or(a, |(ip, _)| ip).to_owned()).unwrap_or_default(),
        user_agent: header(&req, "user-agent"),
        sdk: header(&req, "x-stream-client"),
    };
    REQUEST_INFO.scope(Arc::new(info), next.call(req)).await
}
