//! The API's OpenAPI 3.1 document, `GET /api/openapi.json`, generated at start-up: the schemas come
//! from the wire contract's types (`app::contract`, `utoipa::ToSchema`), the operations from the
//! table in `operations.rs`, and each operation's access from the route policy (`auth::policy`), as
//! the extension `x-access`. Nothing of it is written by hand as JSON.
//!
//! Every operation also lists the errors any request can meet on its way through the layers (401 and
//! 403 where it is not public, 400 for a bad parameter or body, 413/415 for bodies, 429 for limits,
//! 503 when the database does not answer), with the API's one error body.

mod operations;

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr};
use utoipa::OpenApi;

use crate::auth::policy::{policy_for, Access};
use crate::AppState;

pub use operations::operations;

/// The contract's types, with every type they refer to.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "ioc-map API",
        description = "The JSON API of ioc-map (District 1 IOC operations map) and its OGC API – Features.",
        license(name = "MIT OR Apache-2.0")
    ),
    components(schemas(
        app::contract::ErrorBody,
        app::contract::geo::Point,
        app::contract::geo::Feature,
        app::contract::geo::FeatureCollection,
        app::contract::incidents::NewIncident,
        app::contract::incidents::TransitionRequest,
        app::contract::incidents::Incident,
        app::contract::incidents::IncidentList,
        app::contract::incidents::Units,
        app::contract::cameras::Camera,
        app::contract::cameras::CameraList,
        app::contract::cameras::CameraInput,
        app::contract::auth::Credentials,
        app::contract::auth::SignedIn,
        app::contract::auth::Me,
        app::contract::auth::PasswordChange,
        app::contract::auth::User,
        app::contract::auth::Users,
        app::contract::auth::NewUser,
        app::contract::auth::UserPatch,
        app::contract::auth::Tokens,
        app::contract::auth::NewToken,
        app::contract::auth::TokenCreated,
        app::contract::planner::AreaQuery,
        app::contract::planner::AreaAnswer,
        app::contract::planner::SavedExport,
        app::contract::planner::SavedExports,
        app::contract::imports::DetectedField,
        app::contract::imports::PreviewRow,
        app::contract::imports::ImportPreview,
        app::contract::imports::FieldMapping,
        app::contract::imports::ImportCommit,
        app::contract::imports::RowError,
        app::contract::imports::ImportRejected,
        app::contract::imports::ImportResult,
        app::contract::imports::LayerInfo,
        app::contract::imports::Layers,
        app::contract::search::SearchResults,
        app::contract::search::Notices,
    ))
)]
struct Contract;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(serve))
}

async fn serve() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/vnd.oai.openapi+json;version=3.1",
        )],
        text().to_owned(),
    )
        .into_response()
}

/// The document as JSON text, built once.
pub fn text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| serde_json::to_string_pretty(&document()).unwrap_or_default())
}

/// The whole document.
pub fn document() -> Document {
    let mut doc = Contract::openapi();
    let mut paths = utoipa::openapi::path::PathsBuilder::new();
    for op in operations() {
        let access = op.access();
        paths = paths.path(op.path, op.build(access));
    }
    doc.paths = paths.build();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "token",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A personal API token from /account: `Authorization: Bearer ioc_…`",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("ioc_session"))),
    );
    doc
}

/// The access a route's policy gives a method on a path ("METHOD /path" first, then the path).
pub fn access_of(method: &HttpMethod, path: &str) -> Option<Access> {
    policy_for(&format!("{} {path}", method_name(method))).or_else(|| policy_for(path))
}

/// The method as HTTP spells it.
pub fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Head => "HEAD",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Trace => "TRACE",
    }
}

/// The error answer every operation documents, with the API's error body.
fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .into()
}

/// Adds the errors of the layers every request passes (see the module's documentation).
fn add_layer_errors(op: &mut Operation, access: Access, has_input: bool, has_body: bool) {
    let responses = &mut op.responses.responses;
    let mut add = |code: &str, description: &str| {
        responses
            .entry(code.to_string())
            .or_insert_with(|| error_response(description));
    };
    if has_input {
        add(
            "400",
            "A parameter or the body is not valid; `field` names it.",
        );
    }
    if has_body {
        add("413", "The body is larger than the server takes.");
        add(
            "415",
            "The body is not of the content type the operation takes.",
        );
    }
    if access != Access::Public {
        add(
            "401",
            "Not signed in: send a session cookie or an API token.",
        );
        add(
            "403",
            "The user's role may not do this, or a cross-site request.",
        );
    }
    add("429", "Too many requests or connections: try again later.");
    add(
        "503",
        "The database is not answering, or the server is busy or stopping.",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_and_ogc_route_is_documented_with_its_access() {
        let doc: serde_json::Value = serde_json::from_str(text()).expect("the document is JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        for (route, _) in crate::auth::policy::POLICIES {
            let (method, path) = route.split_once(' ').unwrap_or(("", route));
            let documented = path.starts_with("/api/") || path.starts_with("/ogc");
            let exempt = path.contains("{*rest}") || path == "/ogc/" || path == "/api/openapi.json";
            if documented && !exempt {
                let item = &doc["paths"][path];
                assert!(item.is_object(), "{path} is not in the OpenAPI document");
                if !method.is_empty() {
                    let op = &item[method.to_lowercase()];
                    assert!(op.is_object(), "{route} is not in the OpenAPI document");
                }
            }
        }
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                assert!(
                    op["x-access"].is_string(),
                    "{method} {path} has no x-access"
                );
                assert!(op["responses"]["503"].is_object(), "{method} {path}");
            }
        }
        let incident = &doc["components"]["schemas"]["Incident"];
        assert!(
            incident.is_object(),
            "the contract's types are in the document"
        );
        assert!(doc["components"]["schemas"]["IncidentKind"]["enum"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "smoke_alarm")));
    }
}
