//! What can go wrong with users, sessions and tokens, and how HTTP answers it (`error::Refusal`).
//! Sign-in's own outcomes (wrong password, too many tries, busy) are answered by `http::session`,
//! which must not say which of username and password was wrong.

use axum::http::StatusCode;

use crate::error::{Refusal, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A field of the request is not acceptable; the message names it and what it may be.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
    /// The name is taken.
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> AuthError {
        AuthError::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl Refusal for AuthError {
    fn status(&self) -> StatusCode {
        match self {
            AuthError::Invalid { .. } => StatusCode::BAD_REQUEST,
            AuthError::NotFound(_) => StatusCode::NOT_FOUND,
            AuthError::Conflict { .. } => StatusCode::CONFLICT,
            AuthError::Store(e) => e.status(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AuthError::Invalid { .. } => "invalid_parameter",
            AuthError::NotFound(_) => "not_found",
            AuthError::Conflict { .. } => "conflict",
            AuthError::Store(e) => e.code(),
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            AuthError::Invalid { field, .. } | AuthError::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }

    fn public_message(&self) -> String {
        match self {
            AuthError::Store(e) => e.public_message(),
            _ => "internal error".into(),
        }
    }
}
