//! The one error shape of the whole HTTP API: `{"error": code, "message": text, "field": name?}`.
//!
//! Client mistakes carry a message that names the field; server faults carry their detail in
//! `cause`, which never reaches a client: the answer holds a generic message, and `guard::log_faults`
//! logs every 5xx once, with its cause, the method and the path.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What went wrong inside, for the log (5xx only); never sent.
    #[serde(skip)]
    pub cause: Option<String>,
}

/// The cause of a 5xx answer, left in the response's extensions for `guard::log_faults`.
#[derive(Clone, Debug)]
pub struct Fault(pub String);

impl ApiError {
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_parameter",
            message: message.into(),
            field: Some(field.into()),
            cause: None,
        }
    }

    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error,
            message: message.into(),
            field: None,
            cause: None,
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in, or send an API token",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_string()),
            ..Self::new(StatusCode::CONFLICT, "conflict", message)
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            error: "not_found",
            message: message.into(),
            field: None,
            cause: None,
        }
    }

    /// A fault of the server: 500 with a generic message; `cause` goes to the log only.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
        .because(cause)
    }

    /// The same answer, with what went wrong inside (logged, never sent).
    pub fn because(mut self, cause: impl std::fmt::Display) -> Self {
        self.cause = Some(cause.to_string());
        self
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            error: "unavailable",
            message: message.into(),
            field: None,
            cause: None,
        }
    }
}

/// A capability's own error, as HTTP answers it. Each capability has an enum that says what went
/// wrong and, for faults, what it was doing (`incidents::IncidentError`, `cameras::CameraError`,
/// `geometry::GeometryError`); it tells here its status, code and field, and the one conversion
/// below makes the API's error shape of it. A fault (5xx) is answered with a generic message and
/// carries its text as the cause, for the log.
pub trait Refusal: std::fmt::Display {
    fn status(&self) -> StatusCode;
    /// The machine-readable `error` code.
    fn code(&self) -> &'static str;
    /// The request field a client mistake is about.
    fn field(&self) -> Option<&str> {
        None
    }
    /// What a client is told of a fault (the Display text stays in the log).
    fn public_message(&self) -> String {
        "internal error".into()
    }
    /// Whether the answer is a fault of ours, logged once with its cause by `guard::log_faults`
    /// (every 5xx unless the error says otherwise: shedding load is not a fault).
    fn is_fault(&self) -> bool {
        self.status().is_server_error()
    }
}

impl<E: Refusal> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        let status = e.status();
        if e.is_fault() {
            return ApiError::new(status, e.code(), e.public_message()).because(&e);
        }
        if status.is_server_error() {
            return ApiError::new(status, e.code(), e.public_message());
        }
        ApiError {
            status,
            error: e.code(),
            message: e.to_string(),
            field: e.field().map(str::to_string),
            cause: None,
        }
    }
}

/// A store's failure, saying what it was doing: "while reporting an incident: <the driver's text>".
#[derive(Debug, thiserror::Error)]
#[error("while {doing}: {source}")]
pub struct StoreError {
    pub doing: &'static str,
    #[source]
    pub source: sqlx::Error,
}

impl StoreError {
    /// For `map_err`: `.map_err(StoreError::doing("reporting an incident"))`.
    pub fn doing(doing: &'static str) -> impl Fn(sqlx::Error) -> StoreError + Copy {
        move |source| StoreError { doing, source }
    }

    /// The database went away or is overloaded (503: try again), rather than a fault of ours.
    fn unavailable(&self) -> bool {
        match &self.source {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::Io(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            // the server went away under a query (shut down, restarted, connection lost)
            sqlx::Error::Database(e) => e
                .code()
                .is_some_and(|c| c.starts_with("57") || c.starts_with("08")),
            _ => false,
        }
    }
}

impl Refusal for StoreError {
    fn status(&self) -> StatusCode {
        if self.unavailable() {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }

    fn code(&self) -> &'static str {
        if self.unavailable() {
            "unavailable"
        } else {
            "internal"
        }
    }

    fn public_message(&self) -> String {
        if self.unavailable() {
            "the database is not answering".into()
        } else {
            "internal error".into()
        }
    }
}

/// A client's value as an error message may quote it: in quotes, and cut to 40 characters, so a
/// megabyte of input does not come back as a megabyte of error.
pub fn shown(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head:?}…")
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        StoreError {
            doing: "answering the request",
            source: err,
        }
        .into()
    }
}

/// `Json<T>` whose rejections (malformed JSON, wrong types, missing fields, wrong content type, body
/// over the size limit) answer in the API's error shape, naming the field where serde knows it.
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => {
                // "Failed to deserialize …: <path>: <what>"; the path names the field.
                let text = e.body_text();
                let detail = text
                    .split_once("target type: ")
                    .map(|(_, d)| d)
                    .unwrap_or(&text);
                let field = detail
                    .split_once(": ")
                    .map(|(p, _)| p)
                    .filter(|p| !p.contains(' '))
                    .map(str::to_string);
                let field = field.or_else(|| {
                    detail
                        .split_once("missing field `")
                        .and_then(|(_, r)| r.split_once('`'))
                        .map(|(f, _)| f.to_string())
                });
                Err(ApiError {
                    status: StatusCode::BAD_REQUEST,
                    error: "invalid_body",
                    message: detail.to_string(),
                    field,
                    cause: None,
                })
            }
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {}", e.body_text()),
            )),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as Content-Type: application/json",
            )),
            Err(other) => {
                let status = other.status();
                let error = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "body_too_large"
                } else {
                    "invalid_body"
                };
                Err(ApiError::new(status, error, other.body_text()))
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut answer = (self.status, Json(&self)).into_response();
        // a 503 without a cause is the server shedding load on purpose (busy, full, stopping): it
        // is counted where it is decided, not logged per request
        let shedding = self.status == StatusCode::SERVICE_UNAVAILABLE && self.cause.is_none();
        if self.status.is_server_error() && !shedding {
            let cause = self.cause.unwrap_or_else(|| self.message.clone());
            answer.extensions_mut().insert(Fault(cause));
        }
        answer
    }
}
