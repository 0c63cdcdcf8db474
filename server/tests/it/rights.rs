//! Rights end when they are taken away (issue 8): signing out closes that session's `/ws` sockets;
//! a role change, disabling and a password reset close all of the user's; revoking a token closes
//! what it opened; a password change or reset revokes the user's API tokens. Each close is timed
//! against the 2 s target and printed.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

use crate::common::{json_request, request_as, send, Who};
use crate::live::{serve, Ws};

/// A new operator (its own user, so no other test shares its sessions); its id.
pub(crate) async fn new_operator(app: &axum::Router, name: &str) -> i64 {
    let a = request_as(
        app,
        Who::Admin,
        "POST",
        "/api/users",
        Some(&json!({"username": name, "password": "rights-test-2026", "role": "operator"})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json()["id"].as_i64().expect("id")
}

/// A personal API token made with `cookie`'s session: its id and its secret.
async fn new_token(app: &axum::Router, cookie: &str, name: &str) -> (i64, String) {
    let a = send(
        app,
        json_request("POST", "/api/tokens", &json!({"name": name}), Some(cookie)),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let v: Value = a.json();
    let secret = v["token"].as_str().expect("token").to_string();
    (v["id"].as_i64().expect("id"), secret)
}

/// Signs `name` in; the `Cookie` header value.
pub(crate) async fn cookie_of(app: &axum::Router, name: &str, password: &str) -> String {
    let a = send(
        app,
        json_request(
            "POST",
            "/api/session",
            &json!({"username": name, "password": password}),
            None,
        ),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let set = a.headers["set-cookie"].to_str().expect("ascii");
    set.split(';').next().expect("name=value").to_string()
}

pub(crate) async fn socket(addr: std::net::SocketAddr, header: (&'static str, &str)) -> Ws {
    let mut req = format!("ws://{addr}/ws")
        .into_client_request()
        .expect("request");
    req.headers_mut()
        .insert(header.0, header.1.parse().expect("header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("the socket opens");
    let sub = json!({"type": "subscribe", "bbox": [106.70, 10.77, 106.701, 10.771], "layers": ["incidents"]});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .expect("send");
    ws
}

/// How long until the server closes the socket (code 4001: rights ended), within 10 s; None if it
/// stays open.
pub(crate) async fn closed_within(ws: &mut Ws) -> Option<(Duration, String)> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Close(Some(f))))) => {
                assert_eq!(u16::from(f.code), 4001, "rights ended");
                return Some((started.elapsed(), f.reason.to_string()));
            }
            Ok(Some(Ok(_))) => continue,
            Ok(None | Some(Err(_))) => return Some((started.elapsed(), String::new())),
            Err(_) => return None,
        }
    }
    None
}

/// The socket still answers a ping.
async fn still_open(ws: &mut Ws) -> bool {
    if ws
        .send(Message::Text(r#"{"type":"ping"}"#.into()))
        .await
        .is_err()
    {
        return false;
    }
    loop {
        match tokio::time::timeout(Duration::from_secs(3), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) if t.contains("pong") => return true,
            Ok(Some(Ok(Message::Text(_)))) => continue,
            _ => return false,
        }
    }
}

/// An admin changes a user.
pub(crate) async fn patch_user(app: &axum::Router, id: i64, body: Value) {
    let a = request_as(
        app,
        Who::Admin,
        "PATCH",
        &format!("/api/users/{id}"),
        Some(&body),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
}

fn report(what: &str, took: Duration) {
    println!("rights: {what}: socket closed {took:.2?} after the request returned");
    assert!(took < Duration::from_secs(2), "{what}: {took:?}");
}

#[tokio::test]
async fn taking_rights_away_closes_open_sockets_at_once() {
    let (app, addr) = serve().await;
    let id = new_operator(&app, "rights-ws").await;
    let first = cookie_of(&app, "rights-ws", "rights-test-2026").await;
    let second = cookie_of(&app, "rights-ws", "rights-test-2026").await;
    let mut a = socket(addr, ("cookie", &first)).await;
    let mut b = socket(addr, ("cookie", &second)).await;
    // signing out ends that session's socket, not the other's
    let out = send(
        &app,
        json_request("DELETE", "/api/session", &json!({}), Some(&first)),
    )
    .await;
    assert_eq!(out.status, 204);
    let (took, reason) = closed_within(&mut a)
        .await
        .expect("signed-out socket closes");
    assert!(reason.contains("signed out"), "{reason}");
    report("sign-out", took);
    assert!(still_open(&mut b).await, "the other session's socket stays");
    // a role change ends all of the user's
    patch_user(&app, id, json!({"role": "planner"})).await;
    report(
        "role change",
        closed_within(&mut b).await.expect("closes").0,
    );
    // and the planner may not open another
    let mut req = format!("ws://{addr}/ws")
        .into_client_request()
        .expect("request");
    req.headers_mut()
        .insert("cookie", second.parse().expect("cookie"));
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
}

#[tokio::test]
async fn revoked_tokens_and_password_resets_end_what_they_opened() {
    let (app, addr) = serve().await;
    let id = new_operator(&app, "rights-token").await;
    let cookie = cookie_of(&app, "rights-token", "rights-test-2026").await;
    let (revoked_id, revoked) = new_token(&app, &cookie, "script").await;
    let (_, kept) = new_token(&app, &cookie, "gis").await;
    let mut by_revoked = socket(addr, ("authorization", &format!("Bearer {revoked}"))).await;
    let mut by_kept = socket(addr, ("authorization", &format!("Bearer {kept}"))).await;
    let gone = send(
        &app,
        json_request(
            "DELETE",
            &format!("/api/tokens/{revoked_id}"),
            &json!({}),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    report(
        "token revoked",
        closed_within(&mut by_revoked).await.expect("closes").0,
    );
    assert!(
        still_open(&mut by_kept).await,
        "another token's socket stays"
    );
    // a password reset ends everything of the user, and its tokens no longer work
    patch_user(&app, id, json!({"password": "another-secret-2026"})).await;
    report(
        "password reset",
        closed_within(&mut by_kept).await.expect("closes").0,
    );
    let me = send(
        &app,
        axum::http::Request::get("/api/me")
            .header("host", "test.local")
            .header("authorization", format!("Bearer {kept}"))
            .body(axum::body::Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(
        me.status, 401,
        "the token was revoked by the reset: {}",
        me.text
    );
}

/// A demoted operator keeps no video: the session ends at once (audit says why) and no frame follows.
#[tokio::test]
async fn a_demoted_operator_keeps_no_video() {
    use crate::video::{camsim, point_camera, receive, video_app, watch};
    let (app, pool) = video_app().await;
    let camera = "cam-0006";
    let cams = camsim(&[camera], camsim::Mode::Loop).await;
    point_camera(&pool, camera, &cams.url(camera)).await;
    let id = new_operator(&app, "rights-video").await;
    let cookie = cookie_of(&app, "rights-video", "rights-test-2026").await;
    let (mut viewer, _) = watch(&app, &cookie, camera).await;
    assert!(receive(&mut viewer, 3, Duration::from_secs(20)).await.units >= 3);
    let started = Instant::now();
    patch_user(&app, id, json!({"role": "planner"})).await;
    println!(
        "rights: role change: video session ended {:.2?} after the request was sent",
        started.elapsed()
    );
    let reason: Option<String> = sqlx::query_scalar(
        "SELECT end_reason FROM camera_views WHERE camera_id = $1 AND username = 'rights-video' ORDER BY started_at DESC LIMIT 1",
    )
    .bind(camera)
    .fetch_one(&pool)
    .await
    .expect("audit row");
    assert_eq!(reason.as_deref(), Some("the role was changed"));
    assert_eq!(
        crate::video::frames_after(&mut viewer).await,
        0,
        "frames after the demotion"
    );
    viewer.close().await;
}

/// Changing one's own password closes one's sockets (this browser reconnects with its session, which
/// stays valid) and revokes one's API tokens.
#[tokio::test]
async fn changing_ones_password_revokes_tokens_and_closes_sockets() {
    let (app, addr) = serve().await;
    new_operator(&app, "rights-self").await;
    let cookie = cookie_of(&app, "rights-self", "rights-test-2026").await;
    let (_, token) = new_token(&app, &cookie, "gis").await;
    let mut ws = socket(addr, ("cookie", &cookie)).await;
    let changed = send(
        &app,
        json_request(
            "POST",
            "/api/account/password",
            &json!({"current_password": "rights-test-2026", "new_password": "rights-test-2027"}),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(changed.status, 204, "{}", changed.text);
    report(
        "own password change",
        closed_within(&mut ws).await.expect("closes").0,
    );
    let me = |header: (&'static str, String)| {
        let app = app.clone();
        async move {
            let req = axum::http::Request::get("/api/me")
                .header("host", "test.local")
                .header(header.0, header.1)
                .body(axum::body::Body::empty())
                .expect("request");
            send(&app, req).await.status
        }
    };
    assert_eq!(
        me(("authorization", format!("Bearer {token}"))).await,
        401,
        "the token is revoked"
    );
    assert_eq!(
        me(("cookie", cookie.clone())).await,
        200,
        "this session stays"
    );
    let mut again = socket(addr, ("cookie", &cookie)).await;
    assert!(still_open(&mut again).await, "and may open a socket again");
}
