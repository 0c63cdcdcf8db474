//! What can go wrong with a camera, and how HTTP answers it (`error::Refusal`).

use axum::http::StatusCode;

use crate::error::{Refusal, StoreError};
use crate::geometry::GeometryError;

#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    /// A field of the request is not acceptable; the message names it and what it may be.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("no camera {0}")]
    NotFound(String),
    #[error(transparent)]
    Geometry(#[from] GeometryError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CameraError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> CameraError {
        CameraError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl Refusal for CameraError {
    fn status(&self) -> StatusCode {
        match self {
            CameraError::Invalid { .. } => StatusCode::BAD_REQUEST,
            CameraError::NotFound(_) => StatusCode::NOT_FOUND,
            CameraError::Geometry(e) => e.status(),
            CameraError::Store(e) => e.status(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            CameraError::Invalid { .. } => "invalid_parameter",
            CameraError::NotFound(_) => "not_found",
            CameraError::Geometry(e) => e.code(),
            CameraError::Store(e) => e.code(),
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            CameraError::Invalid { field, .. } => Some(field),
            CameraError::NotFound(_) | CameraError::Store(_) => None,
            CameraError::Geometry(e) => e.field(),
        }
    }

    fn public_message(&self) -> String {
        match self {
            CameraError::Geometry(e) => e.public_message(),
            CameraError::Store(e) => e.public_message(),
            _ => "internal error".into(),
        }
    }
}
