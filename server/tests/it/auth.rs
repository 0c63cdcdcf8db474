//! Sign-in, sessions, tokens, cross-site refusal, the failed sign-in limit, users and passwords.

use axum::body::Body;
use axum::http::Request;
use serde_json::json;

use crate::common::{app, json_request, request_as, send, sign_in, Who};

#[tokio::test]
async fn sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session() {
    let app = app().await;
    let a = send(
        &app,
        json_request(
            "POST",
            "/api/session",
            &json!({"username": "operator", "password": "operator-demo-2026"}),
            None,
        ),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["user"]["role"], "operator");
    let set = a.headers["set-cookie"].to_str().expect("cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"),
        "{set}"
    );
    let cookie = set.split(';').next().expect("pair").to_string();
    let me = send(
        &app,
        json_request("GET", "/api/me", &json!(null), Some(&cookie)),
    )
    .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["user"]["username"], "operator");
    let out = send(
        &app,
        json_request("DELETE", "/api/session", &json!(null), Some(&cookie)),
    )
    .await;
    assert_eq!(out.status, 204);
    let after = send(
        &app,
        json_request("GET", "/api/me", &json!(null), Some(&cookie)),
    )
    .await;
    assert_eq!(after.status, 401, "the session is gone");
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_then_limited() {
    let app = app().await;
    // a user of this test only, so the limit does not touch the others
    let created = request_as(&app, Who::Admin, "POST", "/api/users",
        Some(&json!({"username": "limit-test", "password": "limit-test-password", "role": "operator"}))).await;
    assert_eq!(created.status, 201, "{}", created.text);
    for i in 0..5 {
        let a = send(
            &app,
            json_request(
                "POST",
                "/api/session",
                &json!({"username": "limit-test", "password": "nope"}),
                None,
            ),
        )
        .await;
        assert_eq!(a.status, 401, "attempt {i}");
        assert_eq!(a.json()["error"], "invalid_credentials");
    }
    // the sixth is refused even with the right password
    let a = send(
        &app,
        json_request(
            "POST",
            "/api/session",
            &json!({"username": "limit-test", "password": "limit-test-password"}),
            None,
        ),
    )
    .await;
    assert_eq!(a.status, 429);
    let retry: i64 = a.headers["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry), "{retry}");
    // other users are not affected
    assert!(sign_in(&app, Who::Planner).await.is_some());
}

#[tokio::test]
async fn cross_site_state_changes_are_refused_but_tokens_pass() {
    let app = app().await;
    let cookie = sign_in(&app, Who::Operator).await.expect("cookie");
    let req = Request::post("/api/tokens")
        .header("host", "test.local")
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .header("cookie", &cookie)
        .body(Body::from(json!({"name": "x"}).to_string()))
        .expect("request");
    let a = send(&app, req).await;
    assert_eq!(a.status, 403);
    let req = Request::post("/api/tokens")
        .header("host", "test.local")
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/json")
        .header("cookie", &cookie)
        .body(Body::from(json!({"name": "x"}).to_string()))
        .expect("request");
    assert_eq!(send(&app, req).await.status, 403);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens WHERE name = 'x'")
        .fetch_one(&crate::common::pool().await)
        .await
        .expect("count");
    assert_eq!(n, 0, "refused requests wrote nothing");

    // a token-bearing client is not a browser session: its Origin does not matter
    let made = request_as(
        &app,
        Who::Operator,
        "POST",
        "/api/tokens",
        Some(&json!({"name": "script"})),
    )
    .await;
    assert_eq!(made.status, 201);
    let token = made.json()["token"].as_str().expect("token").to_string();
    let req = Request::get("/ogc/collections/cameras/items?limit=1")
        .header("host", "test.local")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&app, req).await.status, 200);
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_and_revocable() {
    let app = app().await;
    let made = request_as(
        &app,
        Who::Planner,
        "POST",
        "/api/tokens",
        Some(&json!({"name": "qgis"})),
    )
    .await;
    assert_eq!(made.status, 201);
    let doc = made.json();
    let token = doc["token"].as_str().expect("token").to_string();
    let id = doc["id"].as_i64().expect("id");
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM api_tokens WHERE token_hash = $1 OR prefix = $2")
            .bind(token.as_bytes())
            .bind(&token)
            .fetch_one(&crate::common::pool().await)
            .await
            .expect("count");
    assert_eq!(stored, 0, "the token itself is not stored");
    let listed = request_as(&app, Who::Planner, "GET", "/api/tokens", None)
        .await
        .json();
    assert!(
        !listed.to_string().contains(&token),
        "listing never shows the token"
    );
    let use_it = |t: String| {
        let app = app.clone();
        async move {
            let req = Request::get("/api/me")
                .header("host", "test.local")
                .header("authorization", format!("Bearer {t}"))
                .body(Body::empty())
                .expect("request");
            send(&app, req).await.status
        }
    };
    assert_eq!(use_it(token.clone()).await, 200);
    // another non-admin user cannot revoke it; its owner can
    let other = request_as(
        &app,
        Who::Operator,
        "DELETE",
        &format!("/api/tokens/{id}"),
        None,
    )
    .await;
    assert_eq!(other.status, 404);
    let own = request_as(
        &app,
        Who::Planner,
        "DELETE",
        &format!("/api/tokens/{id}"),
        None,
    )
    .await;
    assert_eq!(own.status, 204);
    assert_eq!(use_it(token).await, 401);
}

#[tokio::test]
async fn admins_manage_users_and_everyone_changes_their_password() {
    let app = app().await;
    let made = request_as(&app, Who::Admin, "POST", "/api/users",
        Some(&json!({"username": "pw-test", "password": "first-password-1", "role": "planner", "display_name": "Thử"}))).await;
    assert_eq!(made.status, 201, "{}", made.text);
    let id = made.json()["id"].as_i64().expect("id");
    let dup = request_as(
        &app,
        Who::Admin,
        "POST",
        "/api/users",
        Some(&json!({"username": "pw-test", "password": "first-password-1", "role": "planner"})),
    )
    .await;
    assert_eq!(dup.status, 409);
    // the user changes their own password
    let login = send(
        &app,
        json_request(
            "POST",
            "/api/session",
            &json!({"username": "pw-test", "password": "first-password-1"}),
            None,
        ),
    )
    .await;
    let cookie = login.headers["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_string();
    let wrong = send(
        &app,
        json_request(
            "POST",
            "/api/account/password",
            &json!({"current_password": "not-it-at-all", "new_password": "second-password-2"}),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.json()["field"], "current_password");
    let ok = send(
        &app,
        json_request(
            "POST",
            "/api/account/password",
            &json!({"current_password": "first-password-1", "new_password": "second-password-2"}),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(ok.status, 204);
    let again = send(
        &app,
        json_request(
            "POST",
            "/api/session",
            &json!({"username": "pw-test", "password": "second-password-2"}),
            None,
        ),
    )
    .await;
    assert_eq!(again.status, 200);
    // an admin disables the user: sign-in stops working
    let off = request_as(
        &app,
        Who::Admin,
        "PATCH",
        &format!("/api/users/{id}"),
        Some(&json!({"disabled": true})),
    )
    .await;
    assert_eq!(off.status, 200);
    let refused = send(
        &app,
        json_request(
            "POST",
            "/api/session",
            &json!({"username": "pw-test", "password": "second-password-2"}),
            None,
        ),
    )
    .await;
    assert_eq!(refused.status, 401);
    // and cannot lock themself out
    let me = request_as(&app, Who::Admin, "GET", "/api/me", None)
        .await
        .json();
    let my_id = me["user"]["id"].as_i64().expect("id");
    let self_demote = request_as(
        &app,
        Who::Admin,
        "PATCH",
        &format!("/api/users/{my_id}"),
        Some(&json!({"role": "planner"})),
    )
    .await;
    assert_eq!(self_demote.status, 400);
}

#[tokio::test]
async fn the_sign_in_form_redirects_to_where_the_user_was_going() {
    let app = app().await;
    let form = |body: &str| {
        Request::post("/session/signin")
            .header("host", "test.local")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .expect("request")
    };
    let ok = send(
        &app,
        form("username=planner&password=planner-demo-2026&next=%2Fplanner"),
    )
    .await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.headers["location"], "/planner");
    assert!(ok.headers.get("set-cookie").is_some());
    let evil = send(
        &app,
        form("username=planner&password=planner-demo-2026&next=%2F%2Fevil.example"),
    )
    .await;
    assert_eq!(
        evil.headers["location"], "/planner",
        "no redirect off the site"
    );
    // browsers drop tabs and newlines from URLs: "/\t/evil.example" is "//evil.example" to them
    for sneaky in [
        "%2F%09%2Fevil.example",
        "%2F%0A%2Fevil.example",
        "%2F%0D%2Fevil.example",
    ] {
        let evil = send(
            &app,
            form(&format!(
                "username=planner&password=planner-demo-2026&next={sneaky}"
            )),
        )
        .await;
        assert_eq!(evil.headers["location"], "/planner", "next={sneaky}");
    }
    let bad = send(
        &app,
        form("username=planner&password=wrong&next=%2Fplanner"),
    )
    .await;
    assert_eq!(bad.status, 303);
    assert_eq!(
        bad.headers["location"],
        "/signin?error=invalid&next=/planner"
    );
}
