//! What can go wrong with an OGC request, and how HTTP answers it (`error::Refusal`).

use axum::http::StatusCode;

use crate::error::{ApiError, Refusal, StoreError};
use crate::geometry::GeometryError;

#[derive(Debug, thiserror::Error)]
pub enum OgcError {
    /// A query parameter is not acceptable; the message names it and what it may be.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// A `bbox` that is not a box in range.
    #[error(transparent)]
    Geometry(#[from] GeometryError),
    /// No such collection, or no such feature in it.
    #[error("{0}")]
    NotFound(String),
    /// The caller may not read the collection (401 for the anonymous public, 403 for a wrong role),
    /// already in the API's shape by the access policy.
    #[error("{}", .0.message)]
    Refused(ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The database wrote a feature that is not JSON: answered 503, logged with the cause.
    #[error("while reading a feature's JSON from the database: {0}")]
    Encoding(#[source] serde_json::Error),
}

impl OgcError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> OgcError {
        OgcError::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl Refusal for OgcError {
    fn status(&self) -> StatusCode {
        match self {
            OgcError::Invalid { .. } => StatusCode::BAD_REQUEST,
            OgcError::Geometry(e) => e.status(),
            OgcError::NotFound(_) => StatusCode::NOT_FOUND,
            OgcError::Refused(e) => e.status,
            OgcError::Store(e) => e.status(),
            OgcError::Encoding(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            OgcError::Invalid { .. } => "invalid_parameter",
            OgcError::Geometry(e) => e.code(),
            OgcError::NotFound(_) => "not_found",
            OgcError::Refused(e) => e.error,
            OgcError::Store(e) => e.code(),
            OgcError::Encoding(_) => "unavailable",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            OgcError::Invalid { field, .. } => Some(field),
            OgcError::Geometry(e) => e.field(),
            OgcError::Refused(e) => e.field.as_deref(),
            _ => None,
        }
    }

    fn public_message(&self) -> String {
        match self {
            OgcError::Geometry(e) => e.public_message(),
            OgcError::Refused(e) => e.message.clone(),
            OgcError::Store(e) => e.public_message(),
            OgcError::Encoding(_) => "feature encoding failed".into(),
            _ => "internal error".into(),
        }
    }
}
