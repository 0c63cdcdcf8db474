//! Who may reach what. Every route declares its access in [`POLICIES`]; a route without one is refused
//! (500, logged) and fails the tests, so nothing is reachable by omission.
//!
//! Also the cross-site request forgery guard: state-changing browser requests from another site are
//! refused (Sec-Fetch-Site / Origin); requests carrying a Bearer token are not browser sessions and pass.

use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use app::model::SessionUser;

use super::Principal;
use crate::error::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, including anonymous visitors.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Operators and admins.
    Operator,
    /// Planners and admins.
    Planner,
    /// Any staff role (operator, planner, admin): read-only operational data such as camera positions.
    Staff,
    /// Admins only.
    Admin,
}

impl Access {
    pub fn allows(self, user: Option<&SessionUser>) -> bool {
        match (self, user) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::SignedIn | Access::Staff, Some(_)) => true,
            (Access::Operator, Some(u)) => u.can_operate(),
            (Access::Planner, Some(u)) => u.can_plan(),
            (Access::Admin, Some(u)) => u.is_admin(),
        }
    }

    /// The answer when `allows` is false: 401 for nobody, 403 for the wrong role.
    pub fn refuse(self, user: Option<&SessionUser>) -> ApiError {
        match user {
            None => ApiError::unauthorized(),
            Some(u) => ApiError::forbidden(format!(
                "the {} role may not do this (needs {self:?})",
                u.role.as_str()
            )),
        }
    }
}

/// Every route of the server (as axum matches it) with its access; "METHOD /path" entries are for
/// routes whose methods differ in access and are looked up first. The OGC routes are public at this
/// level: each collection declares its own access (`ogc::collections`).
pub const POLICIES: &[(&str, Access)] = &[
    // pages
    ("/", Access::Public),
    ("/signin", Access::Public),
    ("/session/signin", Access::Public),
    ("/session/signout", Access::Public),
    ("/ops", Access::Operator),
    ("/wall", Access::Operator),
    ("/planner", Access::Planner),
    ("/account", Access::SignedIn),
    ("/admin/users", Access::Admin),
    ("/admin/imports", Access::Admin),
    // health and public data
    ("/healthz", Access::Public),
    ("/ogc", Access::Public),
    ("/ogc/", Access::Public),
    ("/ogc/conformance", Access::Public),
    ("/ogc/collections", Access::Public),
    ("/ogc/collections/{id}", Access::Public),
    ("/ogc/collections/{id}/items", Access::Public),
    ("/ogc/collections/{id}/items/{fid}", Access::Public),
    ("/api/map-config", Access::Public),
    ("/api/map/ward-labels", Access::Public),
    ("/api/map/district-outline.svg", Access::Public),
    ("/api/search", Access::Public),
    ("/api/notices", Access::Public),
    ("/api/openapi.json", Access::Public),
    // sign-in and the user's own account
    ("/api/session", Access::Public),
    ("/api/me", Access::SignedIn),
    ("/api/account/password", Access::SignedIn),
    ("/api/tokens", Access::SignedIn),
    ("/api/tokens/{id}", Access::SignedIn),
    // administration
    ("/api/users", Access::Admin),
    ("/api/users/{id}", Access::Admin),
    ("/api/imports", Access::Admin),
    ("/api/imports/{id}", Access::Admin),
    ("/api/imports/{id}/commit", Access::Admin),
    ("GET /api/layers", Access::Public),
    ("/api/layers/{id}", Access::Admin),
    // incidents and live layers: operators act, planners read
    ("/ws", Access::Operator),
    ("GET /api/incidents", Access::Staff),
    ("POST /api/incidents", Access::Operator),
    ("/api/incidents/{id}", Access::Staff),
    ("/api/incidents/{id}/transitions", Access::Operator),
    ("/api/units", Access::Staff),
    // cameras and their video: admins manage cameras, operators watch, admins read the audit
    ("/api/cameras", Access::Admin),
    ("/api/cameras/{id}", Access::Admin),
    ("/api/cameras/nearest", Access::Operator),
    ("/api/cameras/offline", Access::Staff),
    ("/api/cameras/{id}/whep", Access::Operator),
    ("/api/cameras/{id}/whep/{session}", Access::Operator),
    ("/api/video/views", Access::Admin),
    // Prometheus metrics: the handler admits loopback clients and admins
    ("/metrics", Access::Public),
    // planning
    ("/api/area-query", Access::Planner),
    ("/api/area-query/export", Access::Planner),
    ("/api/area-query/exports", Access::Planner),
    ("/api/area-query/exports/{id}", Access::Planner),
    // unknown API paths answer 404 in the API's shape
    ("/api/{*rest}", Access::Public),
    ("/ogc/{*rest}", Access::Public),
];

pub fn policy_for(path: &str) -> Option<Access> {
    POLICIES.iter().find(|(p, _)| *p == path).map(|(_, a)| *a)
}

/// The methods a route declares with "METHOD /path" entries, in table order.
pub fn declared_methods(path: &str) -> Vec<&'static str> {
    POLICIES
        .iter()
        .filter_map(|(p, _)| p.split_once(' ').filter(|(_, rest)| *rest == path))
        .map(|(m, _)| m)
        .collect()
}

/// The access of a route for a method: its "METHOD /path" entry, else its "/path" entry.
pub fn policy_for_method(method: &Method, path: &str) -> Option<Access> {
    policy_for(&format!("{method} {path}")).or_else(|| policy_for(path))
}

fn wants_html(path: &str, headers: &HeaderMap) -> bool {
    !path.starts_with("/api/")
        && !path.starts_with("/ogc")
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
}

/// Route middleware (`route_layer`): applies the route's declared access.
pub async fn enforce(req: Request, next: Next) -> Response {
    let Some(pattern) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
    else {
        return next.run(req).await;
    };
    let Some(access) = policy_for_method(req.method(), &pattern) else {
        let declared = declared_methods(&pattern);
        if !declared.is_empty() {
            // the route has policies for other methods (HEAD reaches a GET handler, for one)
            let allow = declared.join(", ");
            let msg = format!("{} is not allowed here; use {allow}", req.method());
            let mut r = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", msg)
                .into_response();
            if let Ok(v) = axum::http::HeaderValue::from_str(&allow) {
                r.headers_mut().insert(header::ALLOW, v);
            }
            return r;
        }
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "no_policy",
            "this route has no access policy",
        )
        .because(format!("route {pattern} has no access policy"))
        .into_response();
    };
    let user = req
        .extensions()
        .get::<Principal>()
        .and_then(|p| p.user.clone());
    if access.allows(user.as_ref()) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    if wants_html(&path, req.headers()) {
        return match user {
            None => {
                let target = req.uri().path_and_query().map(axum::http::uri::PathAndQuery::as_str).unwrap_or("/");
                Redirect::to(&format!("/signin?next={}", app::api::encode(target))).into_response()
            }
            Some(u) => (
                StatusCode::FORBIDDEN,
                Html(format!(
                    "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>403</title>\
                     <link rel=\"stylesheet\" href=\"/pkg/ioc-map.css\"></head><body><main class=\"page narrow\">\
                     <h1>403</h1><p>Tài khoản {} ({}) không có quyền vào trang này · \
                     This account may not open this page.</p><p><a href=\"/\">Trang chủ · Home</a></p>\
                     </main></body></html>",
                    escape(&u.username),
                    u.role.as_str()
                )),
            )
                .into_response(),
        };
    }
    access.refuse(user.as_ref()).into_response()
}

/// Middleware: refuses cross-site state-changing requests and WebSocket upgrades from another origin.
pub async fn csrf_guard(req: Request, next: Next) -> Response {
    let headers = req.headers();
    let is_upgrade = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if (changes_state || is_upgrade) && super::bearer(headers).is_none() && is_cross_site(headers) {
        return ApiError::forbidden("cross-site request refused").into_response();
    }
    next.run(req).await
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    if let Some(origin) = get("origin") {
        let host = get("host").unwrap_or_default();
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        return origin == "null" || !origin_host.eq_ignore_ascii_case(host);
    }
    false
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::Role;

    fn user(role: Role) -> SessionUser {
        SessionUser {
            id: 1,
            username: "u".into(),
            display_name: String::new(),
            role,
        }
    }

    #[test]
    fn roles_reach_what_is_theirs() {
        let (op, pl, ad) = (user(Role::Operator), user(Role::Planner), user(Role::Admin));
        assert!(Access::Operator.allows(Some(&op)) && !Access::Operator.allows(Some(&pl)));
        assert!(Access::Planner.allows(Some(&pl)) && !Access::Planner.allows(Some(&op)));
        assert!(Access::Admin.allows(Some(&ad)) && !Access::Admin.allows(Some(&op)));
        for a in [
            Access::SignedIn,
            Access::Operator,
            Access::Planner,
            Access::Staff,
            Access::Admin,
        ] {
            assert!(a.allows(Some(&ad)), "admin has every right: {a:?}");
            assert!(!a.allows(None), "anonymous: {a:?}");
        }
        assert_eq!(Access::Admin.refuse(None).status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            Access::Admin.refuse(Some(&op)).status,
            StatusCode::FORBIDDEN
        );
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, v.parse().expect("header"));
            }
            m
        };
        assert!(is_cross_site(&h(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&h(&[
            ("host", "a.example"),
            ("origin", "https://b.example")
        ])));
        assert!(!is_cross_site(&h(&[
            ("host", "a.example"),
            ("origin", "http://a.example")
        ])));
        assert!(!is_cross_site(&h(&[("sec-fetch-site", "same-origin")])));
        assert!(
            !is_cross_site(&h(&[])),
            "non-browser clients send neither header"
        );
    }
}
