//! ApiError: every REST error leaves herald as the Stream envelope with
//! `Content-Type: application/json`. 5xx bodies say "internal error"; details go to the log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use herald_actors::chat::ChatError;
use herald_proto::error::{ApiErrorBody, ErrorCode};

#[derive(Debug, Clone)]
pub struct ApiError(pub ChatError);

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError(ChatError::new(code, message))
    }
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InputError, message)
    }
    /// The envelope, with the request's duration.
    pub fn body(&self, duration: &str) -> ApiErrorBody {
        let mut body = self.0.body();
        body.duration = duration.to_owned();
        body
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<ChatError> for ApiError {
    fn from(e: ChatError) -> Self {
        ApiError(e)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(self.body("0.00ms"))
    }
}
