//! Request timing: every body carries `"duration": "<n>ms"`. Successful replies stamp it in
//! [`super::extract::reply`]; this middleware stamps error envelopes (which are built where no
//! request is at hand) and makes sure every error is JSON in the Stream envelope.

use crate::error::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};
use std::time::Instant;

/// When the request arrived.
#[derive(Clone, Copy)]
pub struct Started(pub Instant);

/// `"1.23ms"` since `started`.
pub fn duration_since(started: Option<Started>) -> String {
    let ms = started.map(|s| s.0.elapsed().as_secs_f64() * 1000.0).unwrap_or(0.0);
    format!("{ms:.2}ms")
}

/// Middleware: records the start, and re-renders `ApiError` responses with their duration.
pub async fn stamp_errors(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Started(Instant::now());
    req.extensions_mut().insert(started);
    let res = next.call(req).await?;
    let api_error = res.response().error().and_then(|e| e.as_error::<ApiError>()).cloned();
    match api_error {
        Some(err) => {
            let (req, old) = res.into_parts();
            let body = err.body(&duration_since(Some(started)));
            let mut fresh = HttpResponse::build(old.status()).json(body);
            for (name, value) in old.headers() {
                if !fresh.headers().contains_key(name) {
                    fresh.headers_mut().insert(name.clone(), value.clone());
                }
            }
            Ok(ServiceResponse::new(req, fresh))
        }
        None => Ok(res.map_into_boxed_body()),
    }
}
