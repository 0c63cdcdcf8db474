//! Two server processes behind a real load balancer (Debian's HAProxy, installed by `make test`),
//! one database and the real NATS JetStream on 127.0.0.1:4222: what an operator would notice of a
//! cluster. Every request and socket goes through the balancer; a test header (`x-test-node`, read
//! only by this test's HAProxy configuration) picks the node, as a real balancer's round robin would
//! have picked one or the other.
//!
//! One test, in parts, so the two nodes start once: an incident created through node A reaches a
//! client of node B; a signed-out user loses its sockets on both; a camera watched through both nodes
//! has one RTSP pull in camsim, and when the node that pulls dies the other takes the pull over and
//! its viewer goes on by itself; a client of a killed node reconnects through the balancer and
//! resumes with `since`, nothing lost or doubled; an export saved through A is downloaded through B
//! from the cluster's S3-compatible file store (`files`).

mod files;
mod harness;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use loadgen::whep::WhepClient;

use crate::common::ADMIN_PASSWORD;
use harness::*;

#[tokio::test]
async fn two_nodes_behind_haproxy() {
    let mut cluster = Cluster::start().await;
    an_incident_created_through_a_reaches_a_client_of_b(&cluster).await;
    a_signed_out_or_disabled_user_loses_its_sockets_on_both_nodes(&cluster).await;
    sign_in_limits_and_idempotency_keys_hold_across_nodes(&cluster).await;
    files::an_export_saved_through_a_is_downloaded_through_b(&cluster).await;
    a_camera_watched_through_both_nodes_is_pulled_once(&mut cluster).await;
    a_client_of_a_killed_node_resumes_through_the_balancer(&mut cluster).await;
}

async fn an_incident_created_through_a_reaches_a_client_of_b(cluster: &Cluster) {
    let cookie = sign_in(cluster.lb, "b", "operator", "operator-demo-2026").await;
    let mut ws = socket(cluster.lb, Some("b"), &cookie).await;
    subscribe(&mut ws, None).await;
    let started = Instant::now();
    let id = report(cluster.lb, "a", &cookie, "báo qua nút A").await;
    let mut took = None;
    while let Some(f) = next(&mut ws, Duration::from_secs(5)).await {
        if f["type"] == "event" && f["feature"]["id"] == id.as_str() {
            took = Some(started.elapsed());
            break;
        }
    }
    let took = took.expect("node B's client hears of node A's incident");
    // B polls the log only every 5 s with a bus: well under that, the event came over NATS
    println!("incident through A → client of B: {took:?} (POST included)");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

async fn a_signed_out_or_disabled_user_loses_its_sockets_on_both_nodes(cluster: &Cluster) {
    // signing out through A ends the same session's sockets on A and on B
    let cookie = sign_in(cluster.lb, "a", "operator", "operator-demo-2026").await;
    let mut on_a = socket(cluster.lb, Some("a"), &cookie).await;
    let mut on_b = socket(cluster.lb, Some("b"), &cookie).await;
    subscribe(&mut on_a, None).await;
    subscribe(&mut on_b, None).await;
    let a = http(
        cluster.lb,
        "DELETE",
        "/api/session",
        &[("x-test-node", "a"), ("cookie", &cookie)],
        "",
    )
    .await
    .expect("sign-out answer");
    assert!(a.status < 300, "sign out: {} {}", a.status, a.body);
    for (name, ws) in [("a", &mut on_a), ("b", &mut on_b)] {
        assert_closed_within(ws, Duration::from_secs(2), name).await;
    }

    // an admin disabling a user through B ends that user's sockets on both nodes
    let admin = sign_in(cluster.lb, "b", "admin", ADMIN_PASSWORD).await;
    let made = http(
        cluster.lb,
        "POST",
        "/api/users",
        &[
            ("x-test-node", "b"),
            ("cookie", &admin),
            ("content-type", "application/json"),
        ],
        &json!({"username": "ca-truc", "password": "ca-truc-2026-password", "role": "operator"})
            .to_string(),
    )
    .await
    .expect("an answer");
    assert_eq!(made.status, 201, "{}", made.body);
    let user_id = made.json()["id"].as_i64().expect("user id");
    let on_a_cookie = sign_in(cluster.lb, "a", "ca-truc", "ca-truc-2026-password").await;
    let on_b_cookie = sign_in(cluster.lb, "b", "ca-truc", "ca-truc-2026-password").await;
    let mut on_a = socket(cluster.lb, Some("a"), &on_a_cookie).await;
    let mut on_b = socket(cluster.lb, Some("b"), &on_b_cookie).await;
    subscribe(&mut on_a, None).await;
    subscribe(&mut on_b, None).await;
    let a = http(
        cluster.lb,
        "PATCH",
        &format!("/api/users/{user_id}"),
        &[
            ("x-test-node", "b"),
            ("cookie", &admin),
            ("content-type", "application/json"),
        ],
        &json!({"disabled": true}).to_string(),
    )
    .await
    .expect("an answer");
    assert_eq!(a.status, 200, "{}", a.body);
    for (name, ws) in [("a", &mut on_a), ("b", &mut on_b)] {
        assert_closed_within(ws, Duration::from_secs(2), name).await;
    }
    // and the cookie no longer works on either node
    for (node, cookie) in [("a", &on_a_cookie), ("b", &on_b_cookie)] {
        let me = http(
            cluster.lb,
            "GET",
            "/api/me",
            &[("x-test-node", node), ("cookie", cookie)],
            "",
        )
        .await
        .expect("an answer");
        assert_eq!(me.status, 401, "node {node}: {}", me.body);
    }
}

/// The socket ends (a close frame or a dropped connection) within `within`, with nothing but
/// leftover events before it.
async fn assert_closed_within(ws: &mut Ws, within: Duration, node: &str) {
    let started = Instant::now();
    let deadline = started + within;
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .unwrap_or_else(|| panic!("the socket on node {node} is still open after {within:?}"));
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => break,
            Ok(Some(Ok(_))) => continue,
            Err(_) => panic!("the socket on node {node} is still open after {within:?}"),
        }
    }
    println!("socket on node {node} closed after {:?}", started.elapsed());
}

async fn sign_in_limits_and_idempotency_keys_hold_across_nodes(cluster: &Cluster) {
    // five wrong passwords for one username from one address, spread over both nodes, use up the
    // tries of that address for that username on every node (the balancer is a trusted proxy and
    // passes the client's address on)
    let from = ("x-forwarded-for", "203.0.113.9");
    let sign_in_from = |node: &'static str, password: &'static str| {
        let body = json!({"username": "planner", "password": password}).to_string();
        async move {
            http(
                cluster.lb,
                "POST",
                "/api/session",
                &[
                    ("x-test-node", node),
                    ("content-type", "application/json"),
                    from,
                ],
                &body,
            )
            .await
            .expect("an answer")
            .status
        }
    };
    for node in ["a", "b", "a", "b", "a"] {
        assert_eq!(
            sign_in_from(node, "not-the-password").await,
            401,
            "a wrong password through {node}"
        );
    }
    assert_eq!(
        sign_in_from("b", "planner-demo-2026").await,
        429,
        "the sixth try through B counts the four made through A and B"
    );

    // a retried report with the same Idempotency-Key is one incident, whichever node gets it
    let cookie = sign_in(cluster.lb, "a", "operator", "operator-demo-2026").await;
    let key = format!("retry-{}", cluster.cluster);
    let body = json!({"kind": "flooding", "severity": 2, "description": "ngập đường Lê Duẩn",
                      "geometry": {"type": "Point", "coordinates": [106.6995, 10.7800]}})
    .to_string();
    let mut ids = Vec::new();
    for node in ["a", "b"] {
        let a = http(
            cluster.lb,
            "POST",
            "/api/incidents",
            &[
                ("x-test-node", node),
                ("cookie", &cookie),
                ("content-type", "application/json"),
                ("idempotency-key", &key),
            ],
            &body,
        )
        .await
        .expect("an answer");
        assert_eq!(a.status, 201, "through {node}: {}", a.body);
        ids.push(a.json()["id"].as_str().expect("id").to_string());
    }
    assert_eq!(ids[0], ids[1], "the retry through B replays A's answer");
}

async fn a_camera_watched_through_both_nodes_is_pulled_once(cluster: &mut Cluster) {
    let cams = crate::video::camsim(&[CAMERA], camsim::Mode::Loop).await;
    let pool = server::db::connect(&cluster.database_url)
        .await
        .expect("pool");
    crate::video::point_camera(&pool, CAMERA, &cams.url(CAMERA)).await;
    let cookie = sign_in(cluster.lb, "a", "operator", "operator-demo-2026").await;

    let (mut viewer_a, _) = watch(cluster.lb, "a", &cookie).await;
    let (mut viewer_b, session_b) = watch(cluster.lb, "b", &cookie).await;
    for (name, viewer) in [("a", &mut viewer_a), ("b", &mut viewer_b)] {
        let seen = crate::video::receive(viewer, 10, Duration::from_secs(15)).await;
        assert!(
            seen.units >= 10,
            "the viewer on node {name} sees the camera: {seen:?}"
        );
    }
    assert_eq!(
        cams.stats().playing_sessions(),
        1,
        "one RTSP pull in the cluster: {:?}",
        cams.stats()
    );
    // the per-user cap (2 here) is the cluster's: one session on A and one on B fill it
    let (third, offer) = WhepClient::offer([127, 0, 0, 1].into())
        .await
        .expect("client offer");
    let refused = send_offer(cluster.lb, "a", &cookie, &offer).await;
    assert_eq!(
        refused.status, 429,
        "a third session in the cluster: {}",
        refused.body
    );
    third.close().await;

    // the node that pulls (A: its viewer came first) dies; B takes the pull over by itself
    cluster.kill("a");
    let started = Instant::now();
    let mut resumed = None;
    while started.elapsed() < Duration::from_secs(20) {
        let seen = crate::video::receive(&mut viewer_b, 5, Duration::from_secs(1)).await;
        if seen.units >= 5 && started.elapsed() > Duration::from_secs(1) {
            resumed = Some(started.elapsed());
            break;
        }
    }
    let resumed = resumed.expect("the viewer on node B goes on after node A died");
    println!("node A (the camera's puller) killed: B's viewer has frames again after {resumed:?}");
    wait_for(
        || cams.stats().playing_sessions() == 1,
        Duration::from_secs(10),
    )
    .await;

    // a session ended through the other node is ended where it lives
    cluster.restart("a").await;
    let a = http(
        cluster.lb,
        "DELETE",
        &session_b,
        &[("x-test-node", "a"), ("cookie", &cookie)],
        "",
    )
    .await
    .expect("an answer");
    assert_eq!(a.status, 200, "DELETE of B's session through A: {}", a.body);
    // B's pull stops after its grace period (2 s here): nobody watches any more
    wait_for(
        || cams.stats().playing_sessions() == 0,
        Duration::from_secs(15),
    )
    .await;
    viewer_a.close().await;
    viewer_b.close().await;
}

async fn wait_for(mut done: impl FnMut() -> bool, within: Duration) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < within, "not within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A WHEP offer for the camera through the balancer on `node`; the answer.
async fn send_offer(lb: u16, node: &str, cookie: &str, sdp: &str) -> Answer {
    http(
        lb,
        "POST",
        &format!("/api/cameras/{CAMERA}/whep"),
        &[
            ("x-test-node", node),
            ("cookie", cookie),
            ("content-type", "application/sdp"),
        ],
        sdp,
    )
    .await
    .expect("an answer")
}

/// A WHEP viewer through the balancer on `node`; its session URL.
async fn watch(lb: u16, node: &str, cookie: &str) -> (WhepClient, String) {
    let (client, offer) = WhepClient::offer([127, 0, 0, 1].into())
        .await
        .expect("client offer");
    let a = send_offer(lb, node, cookie, &offer).await;
    assert_eq!(a.status, 201, "WHEP through node {node}: {}", a.body);
    client.accept(&a.body).await.expect("answer applies");
    let location = a.header("location").expect("a session URL").to_string();
    (client, location)
}

async fn a_client_of_a_killed_node_resumes_through_the_balancer(cluster: &mut Cluster) {
    let cookie = sign_in(cluster.lb, "b", "operator", "operator-demo-2026").await;
    let mut ws = socket(cluster.lb, Some("b"), &cookie).await;
    let (since, _) = subscribe(&mut ws, None).await;
    // one event the client hears before its node dies
    let heard = report(cluster.lb, "a", &cookie, "trước khi B tắt").await;
    let mut got_heard = false;
    while let Some(f) = next(&mut ws, Duration::from_secs(5)).await {
        if f["type"] == "event" && f["feature"]["id"] == heard.as_str() {
            got_heard = true;
            break;
        }
    }
    assert!(got_heard);

    cluster.kill("b");
    drop(ws);
    // reported while the client is away (the balancer sends them to A)
    let mut missed = Vec::new();
    for i in 0..3 {
        missed.push(report(cluster.lb, "a", &cookie, &format!("khi B tắt {i}")).await);
    }
    // the client reconnects through the balancer as the browser does: with no say in the node
    let mut ws = socket(cluster.lb, None, &cookie).await;
    let (_, replayed) = subscribe(&mut ws, Some(since)).await;
    let mut seen: Vec<String> = replayed
        .iter()
        .filter_map(|f| f["feature"]["id"].as_str().map(String::from))
        .collect();
    // anything after the sync comes live (none is expected: nothing was reported meanwhile)
    while let Some(f) = next(&mut ws, Duration::from_millis(500)).await {
        if let Some(id) = f["feature"]["id"].as_str() {
            seen.push(id.to_string());
        }
    }
    for m in &missed {
        assert_eq!(
            seen.iter().filter(|s| *s == m).count(),
            1,
            "each missed incident exactly once: {seen:?}"
        );
    }
    assert_eq!(
        seen.iter().filter(|s| **s == heard).count(),
        1,
        "the one heard before is replayed once (it is after `since`): {seen:?}"
    );
}
