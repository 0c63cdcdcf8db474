//! What can go wrong with an area query, and how HTTP answers it (`error::Refusal`).

use axum::http::StatusCode;

use crate::error::{Refusal, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PlannerError {
    /// A field of the request is not acceptable (or names a ward that does not exist, or a geometry
    /// PostGIS cannot read); the message names it and says why.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file store failed (`files`).
    #[error(transparent)]
    Files(#[from] crate::files::FilesError),
    /// A saved export's row is there and its file is not: the store was emptied by hand.
    #[error("the saved export's file {key} is missing from the file store")]
    MissingFile { key: String },
    /// The database wrote JSON the answer's types cannot carry: a fault of ours, logged.
    #[error("while reading {what} from the database: {source}")]
    Answer {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

impl PlannerError {
    pub fn invalid(field: &str, message: impl Into<String>) -> PlannerError {
        PlannerError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// For `map_err` on JSON the SQL built: `.map_err(PlannerError::answer("the coverage"))`.
    pub fn answer(what: &'static str) -> impl Fn(serde_json::Error) -> PlannerError + Copy {
        move |source| PlannerError::Answer { what, source }
    }
}

impl Refusal for PlannerError {
    fn status(&self) -> StatusCode {
        match self {
            PlannerError::Invalid { .. } => StatusCode::BAD_REQUEST,
            PlannerError::Store(e) => e.status(),
            PlannerError::Files(e) => e.status(),
            PlannerError::Answer { .. } | PlannerError::MissingFile { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            PlannerError::Invalid { .. } => "invalid_parameter",
            PlannerError::Store(e) => e.code(),
            PlannerError::Files(e) => e.code(),
            PlannerError::Answer { .. } | PlannerError::MissingFile { .. } => "internal",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            PlannerError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    fn public_message(&self) -> String {
        match self {
            PlannerError::Store(e) => e.public_message(),
            PlannerError::Files(e) => e.public_message(),
            _ => "internal error".into(),
        }
    }
}
