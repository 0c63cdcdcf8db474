//! What can go wrong with an incident, and how HTTP answers it (`error::Refusal`).

use axum::http::StatusCode;

use app::contract::incidents::{IncidentStatus, Step};

use crate::error::{ApiError, Refusal, StoreError};
use crate::geometry::GeometryError;

#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    /// A field of the request is not acceptable; the message names it and what it may be.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("no incident {0:?}")]
    NotFound(String),
    /// The lifecycle does not allow this step from the incident's status now.
    #[error("an incident that is {from} cannot go to {step}")]
    NotAllowed { from: IncidentStatus, step: Step },
    #[error("dispatching needs the response unit")]
    UnitNeeded,
    #[error(transparent)]
    Geometry(#[from] GeometryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An incident read from the database could not be written back as JSON: a fault of ours.
    #[error("while encoding an incident for the live layer: {0}")]
    Encoding(#[source] serde_json::Error),
    /// From the shared parts below (idempotency keys, bounding boxes), already in the API's shape.
    #[error("{}", .0.cause.as_deref().unwrap_or(&.0.message))]
    Request(ApiError),
}

impl IncidentError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> IncidentError {
        IncidentError::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl From<ApiError> for IncidentError {
    fn from(e: ApiError) -> IncidentError {
        IncidentError::Request(e)
    }
}

impl Refusal for IncidentError {
    fn status(&self) -> StatusCode {
        match self {
            IncidentError::Invalid { .. } | IncidentError::UnitNeeded => StatusCode::BAD_REQUEST,
            IncidentError::NotFound(_) => StatusCode::NOT_FOUND,
            IncidentError::NotAllowed { .. } => StatusCode::CONFLICT,
            IncidentError::Geometry(e) => e.status(),
            IncidentError::Store(e) => e.status(),
            IncidentError::Encoding(_) => StatusCode::INTERNAL_SERVER_ERROR,
            IncidentError::Request(e) => e.status,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            IncidentError::Invalid { .. } | IncidentError::UnitNeeded => "invalid_parameter",
            IncidentError::NotFound(_) => "not_found",
            IncidentError::NotAllowed { .. } => "conflict",
            IncidentError::Geometry(e) => e.code(),
            IncidentError::Store(e) => e.code(),
            IncidentError::Encoding(_) => "internal",
            IncidentError::Request(e) => e.error,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            IncidentError::Invalid { field, .. } => Some(field),
            IncidentError::UnitNeeded => Some("unit"),
            IncidentError::NotAllowed { .. } => Some("to"),
            IncidentError::NotFound(_) | IncidentError::Store(_) | IncidentError::Encoding(_) => {
                None
            }
            IncidentError::Geometry(e) => e.field(),
            IncidentError::Request(e) => e.field.as_deref(),
        }
    }

    fn public_message(&self) -> String {
        match self {
            IncidentError::Geometry(e) => e.public_message(),
            IncidentError::Store(e) => e.public_message(),
            IncidentError::Request(e) => e.message.clone(),
            _ => "internal error".into(),
        }
    }
}
