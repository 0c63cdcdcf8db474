//! The one error shape of the whole API.

use serde::{Deserialize, Serialize};

/// Every 4xx and 5xx answer of `/api` and `/ogc`: a machine-readable `error` code, a message for
/// people, and for a client mistake the field it is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// `invalid_parameter`, `invalid_body`, `malformed_json`, `unauthorized`, `forbidden`,
    /// `not_found`, `conflict`, `too_many_requests`, `unavailable`, `internal`, …
    pub error: String,
    pub message: String,
    /// The request field (body, query or path) the error is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
