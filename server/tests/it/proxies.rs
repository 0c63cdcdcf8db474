//! Behind a reverse proxy (`IOC_TRUSTED_PROXIES`): the proxy names the client, nobody else can.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use serde_json::json;

use crate::common::{app_with, config, database_url, pool, send, sign_in, Answer, Who};

async fn app_behind_proxy() -> axum::Router {
    let mut cfg = config(database_url());
    cfg.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
    cfg.metrics_token = Some("scrape-secret-for-tests".into());
    app_with(pool().await, cfg)
}

/// A request that arrived over TCP from `peer`, with an `X-Forwarded-For` when given.
fn from(peer: &str, forwarded_for: Option<&str>, mut req: Request<Body>) -> Request<Body> {
    if let Some(f) = forwarded_for {
        req.headers_mut()
            .insert("x-forwarded-for", f.parse().expect("header"));
    }
    let peer: SocketAddr = format!("{peer}:50000").parse().expect("peer");
    req.extensions_mut().insert(ConnectInfo(peer));
    req
}

fn sign_in_body(username: &str, password: &str) -> Request<Body> {
    Request::post("/api/session")
        .header("host", "test.local")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .expect("request")
}

async fn guess(app: &axum::Router, peer: &str, xff: Option<&str>, password: &str) -> Answer {
    loop {
        let a = send(app, from(peer, xff, sign_in_body("admin", password))).await;
        if a.status != 503 {
            return a;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Behind nginx every peer is 127.0.0.1: five wrong guesses locked `admin` out for everyone.
#[tokio::test]
async fn behind_a_trusted_proxy_one_client_cannot_lock_admin_out_for_everyone() {
    let app = app_behind_proxy().await;
    for _ in 0..5 {
        let a = guess(&app, "127.0.0.1", Some("203.0.113.5"), "wrong-password").await;
        assert_eq!(a.status, 401, "{}", a.text);
    }
    let a = guess(
        &app,
        "127.0.0.1",
        Some("203.0.113.5"),
        crate::common::ADMIN_PASSWORD,
    )
    .await;
    assert_eq!(a.status, 429, "the guesser is limited");
    // a client forging an address in front of the proxy's entry is still the proxy's client
    let a = guess(
        &app,
        "127.0.0.1",
        Some("198.51.100.77, 203.0.113.5"),
        crate::common::ADMIN_PASSWORD,
    )
    .await;
    assert_eq!(a.status, 429, "forged entries on the left are not believed");
    let a = guess(
        &app,
        "127.0.0.1",
        Some("203.0.113.6"),
        crate::common::ADMIN_PASSWORD,
    )
    .await;
    assert_eq!(
        a.status, 200,
        "the real admin elsewhere signs in: {}",
        a.text
    );
}

/// A client that is not a trusted proxy cannot pick its address to escape the limit.
#[tokio::test]
async fn an_untrusted_client_cannot_escape_the_limit_with_forwarded_headers() {
    let app = app_behind_proxy().await;
    for i in 0..5 {
        let a = guess(
            &app,
            "192.0.2.9",
            Some(&format!("203.0.113.{}", 100 + i)),
            "nope-nope",
        )
        .await;
        assert_eq!(a.status, 401);
    }
    let a = guess(&app, "192.0.2.9", Some("203.0.113.200"), "nope-nope").await;
    assert_eq!(a.status, 429, "counted as 192.0.2.9 whatever it claims");
}

/// With a proxy on the same host, loopback is everyone: /metrics is for admins and the token.
#[tokio::test]
async fn behind_a_proxy_metrics_need_an_admin_or_the_scrape_token() {
    let app = app_behind_proxy().await;
    let get = |auth: Option<String>, cookie: Option<String>| {
        let mut b = Request::get("/metrics").header("host", "test.local");
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        if let Some(c) = cookie {
            b = b.header("cookie", c);
        }
        from(
            "127.0.0.1",
            Some("203.0.113.9"),
            b.body(Body::empty()).expect("request"),
        )
    };
    assert_eq!(
        send(&app, get(None, None)).await.status,
        403,
        "anonymous via the proxy"
    );
    assert_eq!(
        send(&app, get(Some("Bearer wrong".into()), None))
            .await
            .status,
        403
    );
    let a = send(
        &app,
        get(Some("Bearer scrape-secret-for-tests".into()), None),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(a.text.contains("# TYPE"));
    let admin = sign_in(&app, Who::Admin).await;
    assert_eq!(send(&app, get(None, admin)).await.status, 200);
    // without proxies, loopback keeps its access (a local Prometheus)
    let plain = crate::common::app().await;
    assert_eq!(
        send(
            &plain,
            from(
                "127.0.0.1",
                None,
                Request::get("/metrics")
                    .header("host", "test.local")
                    .body(Body::empty())
                    .expect("r")
            )
        )
        .await
        .status,
        200
    );
}
