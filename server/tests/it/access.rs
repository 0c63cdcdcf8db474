//! The access matrix: every protected route tried as anonymous, operator, planner and admin.

use serde_json::json;

use crate::common::{app, get, request_as, Who, EVERYONE};

/// (method, path, body, who may) for every protected route.
fn protected() -> Vec<(
    &'static str,
    &'static str,
    Option<serde_json::Value>,
    &'static [Who],
)> {
    use Who::*;
    let area = json!({"ward": "26743"});
    vec![
        ("GET", "/ops", None, &[Operator, Admin]),
        ("GET", "/planner", None, &[Planner, Admin]),
        ("GET", "/admin/users", None, &[Admin]),
        ("GET", "/account", None, &[Operator, Planner, Admin]),
        ("GET", "/api/me", None, &[Operator, Planner, Admin]),
        ("GET", "/api/tokens", None, &[Operator, Planner, Admin]),
        ("GET", "/api/users", None, &[Admin]),
        ("GET", "/api/users/1", None, &[Admin]),
        (
            "POST",
            "/api/area-query",
            Some(area.clone()),
            &[Planner, Admin],
        ),
        (
            "POST",
            "/api/area-query/export?format=csv",
            Some(area),
            &[Planner, Admin],
        ),
        (
            "GET",
            "/ogc/collections/cameras",
            None,
            &[Operator, Planner, Admin],
        ),
        (
            "GET",
            "/ogc/collections/cameras/items",
            None,
            &[Operator, Planner, Admin],
        ),
        (
            "GET",
            "/ogc/collections/cameras/items/cam-0001",
            None,
            &[Operator, Planner, Admin],
        ),
        (
            "GET",
            "/ogc/collections/recorders/items",
            None,
            &[Operator, Planner, Admin],
        ),
    ]
}

#[tokio::test]
async fn every_protected_route_answers_each_user_as_declared() {
    let app = app().await;
    for (method, path, body, allowed) in protected() {
        for who in EVERYONE {
            let a = request_as(&app, who, method, path, body.as_ref()).await;
            let expected = if allowed.contains(&who) {
                200
            } else if who == Who::Anonymous {
                401
            } else {
                403
            };
            assert_eq!(
                a.status,
                expected,
                "{method} {path} as {who:?}: {}",
                &a.text[..a.text.len().min(300)]
            );
            if expected != 200 {
                // refusals carry the error shape and no data
                let doc = a.json();
                assert!(doc["error"].is_string(), "{path} as {who:?}: {doc}");
                assert!(
                    !a.text.contains("cam-0") && !a.text.contains("rtsp"),
                    "{path} as {who:?} leaked data"
                );
            }
        }
    }
}

#[tokio::test]
async fn anonymous_page_requests_are_sent_to_sign_in() {
    let app = app().await;
    for path in ["/ops", "/planner", "/admin/users", "/account"] {
        let req = axum::http::Request::get(path)
            .header("host", "test.local")
            .header("accept", "text/html,application/xhtml+xml")
            .body(axum::body::Body::empty())
            .expect("request");
        let a = crate::common::send(&app, req).await;
        assert_eq!(a.status, 303, "{path}");
        let to = a.headers["location"].to_str().expect("location");
        assert_eq!(to, format!("/signin?next={path}"));
    }
}

#[tokio::test]
async fn anonymous_visitors_never_see_cameras_or_incidents() {
    let app = app().await;
    for path in [
        "/",
        "/signin",
        "/ogc/collections",
        "/api/search?q=camera",
        "/api/notices",
        "/api/map/ward-labels",
    ] {
        let a = get(&app, path).await;
        assert_eq!(a.status, 200, "{path}");
        for secret in ["cam-0", "rtsp://", "nvr-0", "inc-0", "long_range"] {
            assert!(
                !a.text.contains(secret),
                "{path} shows {secret:?} to an anonymous visitor"
            );
        }
    }
}

#[tokio::test]
async fn every_page_route_declares_its_access() {
    use leptos_axum::generate_route_list;
    for route in generate_route_list(app::App) {
        let path = route.path();
        assert!(
            server::auth::policy::policy_for(path).is_some(),
            "page route {path} has no access policy in auth::policy::POLICIES"
        );
    }
}

/// A method a route's policy does not list is a 405 with `Allow`, not a 500 (`HEAD` is served by
/// axum's GET handler, but only `GET` and `POST` of `/api/incidents` are declared).
#[tokio::test]
async fn an_undeclared_method_is_405_not_500() {
    let app = app().await;
    for who in [Who::Anonymous, Who::Operator] {
        let a = request_as(&app, who, "HEAD", "/api/incidents", None).await;
        assert_eq!(a.status, 405, "{who:?}: {}", a.text);
        assert_eq!(a.headers["allow"], "GET, POST");
    }
}
