//! What can go wrong with the file store. Each is a fault of the server's (a client never names a
//! key), answered 500 or, for a store that does not answer, 503; the detail goes to the log.

use axum::http::StatusCode;

use crate::error::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// `IOC_FILES` names no store we can open: refused at start-up, with the reason.
    #[error("IOC_FILES={location}: {message}")]
    Config { location: String, message: String },
    /// A key the server made is not a clean relative path.
    #[error("the file key {key:?} is not acceptable: {message}")]
    Key { key: String, message: String },
    /// The store failed (a full disk, a bucket that refuses us, an S3 endpoint that is down).
    #[error("while {doing}: {source}")]
    Store {
        doing: &'static str,
        #[source]
        source: object_store::Error,
    },
}

impl FilesError {
    pub fn config(location: &str, message: impl Into<String>) -> FilesError {
        FilesError::Config {
            location: location.to_string(),
            message: message.into(),
        }
    }

    /// For `map_err`: `.map_err(FilesError::store("writing a file"))`.
    pub fn store(doing: &'static str) -> impl Fn(object_store::Error) -> FilesError + Copy {
        move |source| FilesError::Store { doing, source }
    }
}

impl Refusal for FilesError {
    fn status(&self) -> StatusCode {
        match self {
            FilesError::Store { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            FilesError::Store { .. } => "unavailable",
            _ => "internal",
        }
    }

    fn public_message(&self) -> String {
        match self {
            FilesError::Store { .. } => "the file store is not answering; try again later".into(),
            _ => "internal error".into(),
        }
    }
}
