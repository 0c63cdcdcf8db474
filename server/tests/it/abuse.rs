//! Issue 9: what an anonymous attacker can do with plain HTTP, and what the server does about it.
//! The sign-in flood and its limits here; the figures come from `signin-flood` (a benchmark program).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use serde_json::json;

use crate::common::{app_with, config, database_url, pool, send, Answer};
use crate::restart::{free_port, start_server_on, wait_healthy};
use loadgen::bench::sign_in_attempt;

/// A JSON sign-in as it arrives from `address`.
fn sign_in_from(address: Ipv4Addr, username: &str, password: &str) -> Request<Body> {
    let mut req = Request::post("/api/session")
        .header("host", "test.local")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((address, 40000))));
    req
}

/// Sends until the answer is not "busy" (503), as an attacker's script would; the final answer.
async fn until_not_busy(app: &axum::Router, make: impl Fn() -> Request<Body>) -> Answer {
    let started = Instant::now();
    loop {
        let a = send(app, make()).await;
        if a.status != 503 || started.elapsed() > Duration::from_secs(60) {
            return a;
        }
        assert!(
            a.headers.contains_key("retry-after"),
            "a busy answer says when to retry"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The count is taken before the password is checked and the failure written after it: parallel
/// guesses all saw "no failures yet". Now the attempt is recorded first, so only 5 are checked.
#[tokio::test]
async fn fifty_parallel_guesses_for_one_user_get_at_most_five_checked() {
    let app = app_with(pool().await, config(database_url()));
    let address = Ipv4Addr::new(10, 9, 0, 1);
    let guesses = (0..50).map(|i| {
        let app = app.clone();
        async move {
            until_not_busy(&app, || {
                sign_in_from(address, "operator", &format!("guess-number-{i}"))
            })
            .await
            .status
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        checked <= 5,
        "{checked} of 50 guesses were checked: {statuses:?}"
    );
    assert_eq!(checked + refused, 50, "{statuses:?}");
    // the real operator from another address is not locked out by it
    let ok = until_not_busy(&app, || {
        sign_in_from(Ipv4Addr::new(10, 9, 0, 2), "operator", "operator-demo-2026")
    })
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

/// Made-up usernames used to get fresh tries each: an address now has 20 failures per window.
#[tokio::test]
async fn one_address_trying_many_usernames_is_limited() {
    let mut cfg = config(database_url());
    cfg.sign_in = server::config::SignInConfig::default();
    let app = app_with(pool().await, cfg);
    let address = Ipv4Addr::new(10, 9, 1, 1);
    let mut statuses = Vec::new();
    for i in 0..25 {
        let a = until_not_busy(&app, || {
            sign_in_from(address, &format!("made-up-{i}-{}", std::process::id()), "x")
        })
        .await;
        statuses.push(a.status.as_u16());
    }
    assert_eq!(&statuses[..20], &[401; 20], "{statuses:?}");
    assert_eq!(&statuses[20..], &[429; 5], "{statuses:?}");
    let a = until_not_busy(&app, || {
        sign_in_from(address, "operator", "operator-demo-2026")
    })
    .await;
    assert_eq!(
        a.status, 429,
        "the address is limited whatever the username"
    );
    assert!(a.headers.contains_key("retry-after"));
    let ok = until_not_busy(&app, || {
        sign_in_from(Ipv4Addr::new(10, 9, 1, 2), "operator", "operator-demo-2026")
    })
    .await;
    assert_eq!(ok.status, 200, "another address is not: {}", ok.text);
}

/// A username of 500 KB is a client mistake that names the field, not a 500.
#[tokio::test]
async fn a_huge_username_is_a_400_naming_it() {
    let app = app_with(pool().await, config(database_url()));
    let a = send(
        &app,
        sign_in_from(Ipv4Addr::new(10, 9, 2, 1), &"u".repeat(500_000), "whatever"),
    )
    .await;
    assert_eq!(a.status, 400, "{}", &a.text[..a.text.len().min(300)]);
    assert_eq!(a.json()["field"], "username");
}

/// 200 sign-ins at once with made-up usernames, from 200 addresses, against the real server
/// process: they used to run 200 argon2 checks (19 MiB each) at once and the server was killed for
/// memory. Now most are answered "busy" at once, the server stays up and a real sign-in gets in.
/// (The figures — peak memory, the real sign-in's latency — are printed by `signin-flood`.)
#[tokio::test]
async fn a_sign_in_flood_leaves_the_server_up_and_a_real_sign_in_gets_through() {
    let port = free_port();
    let mut server = start_server_on(port, &database_url());
    wait_healthy(port).await;
    let started = Instant::now();
    let flood = (0..200u32).map(|i| async move {
        let source = Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 1 + (i % 250) as u8);
        sign_in_attempt(Some(source), port, &format!("flood-{i}"), "guess")
            .await
            .map(|(status, headers, _)| (status, headers))
    });
    let real = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let t = Instant::now();
        loop {
            let a = sign_in_attempt(None, port, "operator", "operator-demo-2026").await;
            match a {
                Some((503, _, _)) if t.elapsed() < Duration::from_secs(30) => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                other => return other.map(|(s, _, _)| s),
            }
        }
    };
    let (answers, real) = tokio::join!(futures_util::future::join_all(flood), real);
    let answered: Vec<_> = answers.iter().flatten().collect();
    assert_eq!(answered.len(), 200, "every attempt gets an answer");
    let busy: Vec<_> = answered.iter().filter(|(s, _)| *s == 503).collect();
    assert!(
        !busy.is_empty(),
        "200 at once exceed the password workers: some must be answered busy"
    );
    assert!(busy
        .iter()
        .all(|(_, h)| h.iter().any(|(k, _)| k == "retry-after")));
    assert!(answered.iter().all(|(s, _)| [401, 429, 503].contains(s)));
    assert_eq!(real, Some(200), "the real operator signs in");
    assert!(
        server.try_wait().expect("status").is_none(),
        "the server is still running"
    );
    wait_healthy(port).await;
    eprintln!(
        "sign-in flood: {} busy of 200, over in {:?}",
        busy.len(),
        started.elapsed()
    );
    let _ = server.kill();
    let _ = server.wait();
}

/// Pages carry a CSP whose only inline script is the hydration script, by its nonce; no page may
/// be framed; nothing is sniffed; API answers run nothing at all.
#[tokio::test]
async fn pages_and_answers_carry_security_headers() {
    let app = app_with(pool().await, config(database_url()));
    let page = crate::common::get(&app, "/").await;
    assert_eq!(page.status, 200);
    let csp = page.headers["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_string();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap_or_else(|| panic!("a nonce in {csp}"));
    assert!(
        page.text.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the header's nonce"
    );
    for part in [
        "frame-ancestors 'none'",
        "'wasm-unsafe-eval'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    let again = crate::common::get(&app, "/").await;
    assert_ne!(
        again.headers["content-security-policy"], page.headers["content-security-policy"],
        "a new nonce per page"
    );
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert!(page.headers.contains_key("referrer-policy"));
    let api = crate::common::get(&app, "/api/map-config").await;
    assert!(api.headers["content-security-policy"]
        .to_str()
        .expect("ascii")
        .starts_with("default-src 'none'"));
    assert_eq!(api.headers["x-content-type-options"], "nosniff");
}

/// A handler that panics answers 500 in the API's shape; the service keeps answering.
#[tokio::test]
async fn a_panic_in_a_handler_is_a_500_and_the_server_answers_on() {
    async fn boom() -> &'static str {
        panic!("a bug reached from a request")
    }
    let app = server::guard::catch_panics(
        axum::Router::new()
            .route("/boom", axum::routing::get(boom))
            .route("/fine", axum::routing::get(|| async { "fine" })),
    );
    let a = crate::common::get(&app, "/boom").await;
    assert_eq!(a.status, 500);
    assert_eq!(a.json()["error"], "internal");
    assert!(
        !a.text.contains("a bug"),
        "the panic's text stays in the log"
    );
    assert_eq!(crate::common::get(&app, "/fine").await.status, 200);
}

/// A database error in an area query is the server's fault: 5xx, generic, not the driver's text.
#[tokio::test]
async fn a_database_error_in_an_area_query_is_a_generic_5xx() {
    let pool = server::db::connect(&database_url()).await.expect("pool");
    let app = app_with(pool.clone(), config(database_url()));
    let planner = crate::common::sign_in(&app, crate::common::Who::Planner)
        .await
        .expect("cookie");
    // one request first, so the session is in the cache and the query reaches its handler
    let me = send(
        &app,
        Request::get("/api/me")
            .header("host", "test.local")
            .header("cookie", &planner)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(me.status, 200);
    pool.close().await;
    let body = json!({"geometry": {"type": "Polygon", "coordinates": [[[106.69, 10.77], [106.70, 10.77], [106.70, 10.78], [106.69, 10.77]]]}});
    let a = send(
        &app,
        crate::common::json_request("POST", "/api/area-query", &body, Some(&planner)),
    )
    .await;
    assert!(a.status.is_server_error(), "{} {}", a.status, a.text);
    assert!(!a.text.contains("pool"), "{}", a.text);
    assert_eq!(a.json().get("field"), None, "{}", a.text);
}

/// A stolen session could guess the current password without limit; now it counts like sign-in.
#[tokio::test]
async fn the_current_password_check_is_limited_like_sign_in() {
    let app = app_with(pool().await, config(database_url()));
    let name = format!("pwguess{}", std::process::id());
    let made = crate::common::request_as(
        &app,
        crate::common::Who::Admin,
        "POST",
        "/api/users",
        Some(&json!({"username": name, "password": "the-right-password", "role": "operator"})),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let login = send(
        &app,
        crate::common::json_request(
            "POST",
            "/api/session",
            &json!({"username": name, "password": "the-right-password"}),
            None,
        ),
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let cookie = login.headers["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("pair")
        .to_string();
    let change = |current: &str| {
        crate::common::json_request(
            "POST",
            "/api/account/password",
            &json!({"current_password": current, "new_password": "a-new-password-2026"}),
            Some(&cookie),
        )
    };
    for i in 0..5 {
        let a = until_not_busy(&app, || change(&format!("guess-{i}"))).await;
        assert_eq!(a.status, 400, "{}", a.text);
        assert_eq!(a.json()["field"], "current_password");
    }
    let a = until_not_busy(&app, || change("the-right-password")).await;
    assert_eq!(
        a.status, 429,
        "the sixth try is refused, even the right one: {}",
        a.text
    );
}

/// 32 exports of the whole district over years at once: they take turns, so `/healthz` and sign-in
/// keep their database connections and answer meanwhile; every export is answered (a file, or 503
/// with Retry-After when its turn did not come).
#[tokio::test]
async fn parallel_exports_leave_health_and_sign_in_working() {
    let app = app_with(pool().await, config(database_url()));
    let planner = crate::common::sign_in(&app, crate::common::Who::Planner)
        .await
        .expect("cookie");
    let whole = json!({"center": [106.6981, 10.7760], "radius_m": 10000,
                       "from": "2000-01-01T00:00:00Z"});
    let exports = (0..32).map(|i| {
        let (app, planner, whole) = (app.clone(), planner.clone(), whole.clone());
        async move {
            let format = if i % 2 == 0 { "csv" } else { "geojson" };
            let mut req = crate::common::json_request(
                "POST",
                &format!("/api/area-query/export?format={format}"),
                &whole,
                Some(&planner),
            );
            req.extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(([10, 9, 3, 1], 40000))));
            send(&app, req).await
        }
    });
    let others = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let health = crate::common::get(&app, "/healthz").await;
        let signed_in = crate::common::sign_in(&app, crate::common::Who::Operator).await;
        (health.status, signed_in.is_some())
    };
    let (answers, (health, signed_in)) =
        tokio::join!(futures_util::future::join_all(exports), others);
    assert_eq!(health, 200, "/healthz during 32 exports");
    assert!(signed_in, "sign-in during 32 exports");
    for a in &answers {
        match a.status.as_u16() {
            200 => assert!(a.text.len() > 1000, "a whole district's file"),
            503 => assert!(a.headers.contains_key("retry-after")),
            other => panic!(
                "export answered {other}: {}",
                &a.text[..a.text.len().min(200)]
            ),
        }
    }
}
