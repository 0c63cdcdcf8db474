//! What can go wrong with an import, and how HTTP answers it (`error::Refusal`). Bad rows are not an
//! error of this kind: a commit with bad rows answers 422 with every row listed (`ImportRejected`).

use axum::http::StatusCode;

use crate::error::{Refusal, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A field of the request (or the file as a whole) is not acceptable; the message says why.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// No upload with that id (or it was committed, or is older than a day).
    #[error("{0}")]
    NotFound(String),
    /// A layer of that id exists and was not made by an import (a built-in collection).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// GDAL (`ogr2ogr`) could not be run at all: a fault of the machine, logged.
    #[error("running ogr2ogr: {0}")]
    Gdal(String),
}

impl ImportError {
    pub fn invalid(field: &str, message: impl Into<String>) -> ImportError {
        ImportError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl Refusal for ImportError {
    fn status(&self) -> StatusCode {
        match self {
            ImportError::Invalid { .. } => StatusCode::BAD_REQUEST,
            ImportError::NotFound(_) => StatusCode::NOT_FOUND,
            ImportError::Conflict(_) => StatusCode::CONFLICT,
            ImportError::Store(e) => e.status(),
            ImportError::Gdal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ImportError::Invalid { .. } => "invalid_parameter",
            ImportError::NotFound(_) => "not_found",
            ImportError::Conflict(_) => "conflict",
            ImportError::Store(e) => e.code(),
            ImportError::Gdal(_) => "internal",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            ImportError::Invalid { field, .. } => Some(field),
            ImportError::Conflict(_) => Some("layer"),
            _ => None,
        }
    }

    fn public_message(&self) -> String {
        match self {
            ImportError::Store(e) => e.public_message(),
            _ => "internal error".into(),
        }
    }
}
