//! `/hi` (SDK warm-up), `/healthz` (process alive), `/readyz` (store and bus reachable, not draining),
//! `/metrics` (Prometheus text), and the JSON 404 for unknown paths.

use super::extract::{reply, Data};
use crate::error::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use herald_actors::registry::GetLocalCounts;
use herald_proto::JsonMap;
use std::fmt::Write;
use std::sync::atomic::Ordering;

pub async fn hi(req: HttpRequest) -> HttpResponse {
    let mut res = reply(&req, JsonMap::new());
    *res.status_mut() = actix_web::http::StatusCode::OK;
    res
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "alive"}))
}

/// Ready when not draining, the bus delivers, and the store answers (in cluster mode: Redis is
/// reachable, every topic is subscribed, the built-in channel types are in place).
pub async fn readyz(state: Data) -> HttpResponse {
    let not_ready = |status: &str, detail: String| {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": status, "detail": detail, "node_id": state.node_id}))
    };
    if state.draining.load(Ordering::Relaxed) {
        return not_ready("draining", "the node is shutting down".into());
    }
    if !state.chat.bus().is_ready() {
        return not_ready("bus_unavailable", "the Redis subscription link is reconnecting".into());
    }
    if let Err(e) = state.chat.store().ping().await {
        return not_ready("store_unavailable", e.to_string());
    }
    HttpResponse::Ok().json(serde_json::json!({"status": "ready", "node_id": state.node_id}))
}

pub async fn metrics(state: Data) -> HttpResponse {
    let mut out = String::new();
    for (name, value) in state.metrics.snapshot() {
        let _ = writeln!(out, "# TYPE herald_{name}_total counter\nherald_{name}_total {value}");
    }
    if let Ok(counts) = state.chat.registry().send(GetLocalCounts).await {
        let _ = writeln!(out, "# TYPE herald_local_connections gauge\nherald_local_connections {}", counts.connections);
        let _ = writeln!(out, "# TYPE herald_channel_actors gauge\nherald_channel_actors {}", counts.channel_actors);
        let _ = writeln!(out, "# TYPE herald_user_actors gauge\nherald_user_actors {}", counts.user_actors);
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(out)
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(herald_proto::ErrorCode::DoesNotExist, format!("{} {} is not an endpoint of herald", req.method(), req.path())))
}
