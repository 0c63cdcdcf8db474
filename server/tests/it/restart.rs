//! Across a crash: the server's OS process is killed and started again; a client that reconnects with
//! `since` gets exactly the event it missed.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

use crate::common::{app, database_url, json_request, send, sign_in, Who, ADMIN_PASSWORD};

const NEAR: [f64; 4] = [106.6970, 10.7780, 106.7010, 10.7815];

/// The real server binary on a free loopback port, on the test database.
fn start_server(port: u16) -> Child {
    start_server_on(port, &database_url())
}

/// The real server binary on `port`, on the database at `url`.
pub(crate) fn start_server_on(port: u16, url: &str) -> Child {
    start_server_env(port, url, &[])
}

/// [`start_server_on`] with more environment variables.
pub(crate) fn start_server_env(port: u16, url: &str, env: &[(&str, &str)]) -> Child {
    let files = std::env::temp_dir().join(format!("ioc-map-test-{}-files", std::process::id()));
    Command::new(env!("CARGO_BIN_EXE_server"))
        // the test process's own file store (a caller may name another)
        .env("IOC_FILES", files)
        .envs(env.iter().copied())
        .env("DATABASE_URL", url)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("IOC_SIMULATE_VEHICLES", "0")
        .env("IOC_DEMO_USERS", "1")
        .env("IOC_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server binary")
}

/// A plain HTTP/1.1 request; the whole answer as text.
pub(crate) async fn http(port: u16, request: String) -> Option<String> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(request.as_bytes()).await.ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).await.ok()?;
    Some(out)
}

pub(crate) async fn wait_healthy(port: u16) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        let req =
            format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
        if http(port, req)
            .await
            .is_some_and(|a| a.starts_with("HTTP/1.1 200"))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the server did not come up on port {port}");
}

pub(crate) async fn cookie(port: u16) -> String {
    let body = json!({"username": "operator", "password": "operator-demo-2026"}).to_string();
    let req = format!(
        "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = http(port, req).await.expect("sign-in answer");
    let line = answer
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("a session cookie");
    line.split_once(':')
        .expect("header")
        .1
        .trim()
        .split(';')
        .next()
        .expect("pair")
        .to_string()
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn live_socket(port: u16, cookie: &str) -> Ws {
    let mut req = format!("ws://127.0.0.1:{port}/ws")
        .into_client_request()
        .expect("request");
    req.headers_mut()
        .insert("cookie", cookie.parse().expect("cookie"));
    tokio_tungstenite::connect_async(req)
        .await
        .expect("connect")
        .0
}

async fn next(ws: &mut Ws) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

/// One test, so that the burst of the second part cannot land in the first part's replay.
#[tokio::test]
async fn restart_resume_and_slow_clients() {
    resume_with_since_after_the_server_process_is_killed().await;
    a_slow_client_is_cut_off_and_does_not_delay_a_fast_one().await;
}

async fn resume_with_since_after_the_server_process_is_killed() {
    let port = free_port();
    let mut server = start_server(port);
    wait_healthy(port).await;
    let c = cookie(port).await;
    let mut ws = live_socket(port, &c).await;
    ws.send(Message::Text(
        json!({"type": "subscribe", "bbox": NEAR, "layers": ["incidents"]})
            .to_string()
            .into(),
    ))
    .await
    .expect("subscribe");
    let since = next(&mut ws).await.expect("snapshot")["seq"]
        .as_i64()
        .expect("seq");

    server.kill().expect("kill -9 the server");
    server.wait().expect("reap");
    drop(ws);
    // reported meanwhile, by another server process on the same database
    let other = app().await;
    let cookie2 = sign_in(&other, Who::Operator).await.expect("cookie");
    let body = json!({"kind": "fire", "severity": 4, "description": "khi máy chủ tắt",
                      "geometry": {"type": "Point", "coordinates": [106.6990, 10.7798]}});
    let made = send(
        &other,
        json_request("POST", "/api/incidents", &body, Some(&cookie2)),
    )
    .await;
    assert_eq!(made.status, 201);
    let missed = made.json()["id"].as_str().expect("id").to_string();

    let mut server = start_server(port);
    wait_healthy(port).await;
    let c = cookie(port).await;
    let mut ws = live_socket(port, &c).await;
    ws.send(Message::Text(
        json!({"type": "subscribe", "bbox": NEAR, "layers": ["incidents"], "since": since})
            .to_string()
            .into(),
    ))
    .await
    .expect("resubscribe");
    let mut got = None;
    while let Some(f) = next(&mut ws).await {
        assert_ne!(f["type"], "reset", "the log survived the restart");
        if f["type"] == "event" && f["feature"]["id"] == missed.as_str() {
            got = Some(f);
            break;
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    let ev = got.expect("the missed event is replayed after the restart");
    assert!(ev["seq"].as_i64().expect("seq") > since);
    assert_eq!(
        ev["feature"]["properties"]["description"],
        "khi máy chủ tắt"
    );
}

/// Commits `n` incident events in one transaction (gap-free seqs), as a busy district would.
async fn burst(n: i64) {
    let pool = crate::common::pool().await;
    sqlx::query(
        "WITH s AS (UPDATE live_seq SET value = value + $1 RETURNING value)
         INSERT INTO live_events (seq, layer, op, feature_id, feature, lon, lat)
         SELECT s.value - $1 + g, 'incidents', 'upsert', 'inc-burst-' || (s.value - $1 + g),
                jsonb_build_object('type', 'Feature', 'id', 'inc-burst-' || (s.value - $1 + g),
                                   'geometry', jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(106.689, 10.7915)),
                                   'properties', jsonb_build_object('kind', 'congestion', 'description', 'burst ' || repeat('x', 1900))),
                106.689, 10.7915
           FROM s, generate_series(1, $1) g",
    )
    .bind(n)
    .execute(&pool)
    .await
    .expect("burst of events");
}

async fn a_slow_client_is_cut_off_and_does_not_delay_a_fast_one() {
    const QUEUE: usize = 4096;
    const BURST: i64 = 3000;
    let app = crate::common::app_with_live(server::live::LiveConfig {
        queue_capacity: QUEUE,
        ..Default::default()
    })
    .await;
    let port = crate::common::serve(app.clone()).await.port();
    let c = sign_in(&app, Who::Operator).await.expect("cookie");
    // the slow client: a tiny receive buffer, and it never reads
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let stream = socket
        .connect(([127, 0, 0, 1], port).into())
        .await
        .expect("connect");
    let mut req = format!("ws://127.0.0.1:{port}/ws")
        .into_client_request()
        .expect("request");
    req.headers_mut()
        .insert("cookie", c.parse().expect("cookie"));
    let (mut slow, _) =
        tokio_tungstenite::client_async(req, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .expect("slow client");
    let mut fast = live_socket(port, &c).await;
    // in Tân Định, away from the viewports of the other live tests
    let sub = json!({"type": "subscribe", "bbox": [106.6880, 10.7905, 106.6900, 10.7925], "layers": ["incidents"]}).to_string();
    slow.send(Message::Text(sub.clone().into()))
        .await
        .expect("subscribe");
    fast.send(Message::Text(sub.into()))
        .await
        .expect("subscribe");
    assert_eq!(next(&mut fast).await.expect("snapshot")["type"], "snapshot");
    let reader = tokio::spawn(async move {
        let mut seen = 0;
        while seen < 2 * BURST {
            match next(&mut fast).await {
                Some(f)
                    if f["type"] == "event"
                        && f["feature"]["id"]
                            .as_str()
                            .is_some_and(|i| i.starts_with("inc-burst-")) =>
                {
                    seen += 1;
                }
                Some(_) => {}
                None => break,
            }
        }
        seen
    });
    // two bursts, a poll apart: the slow client's buffers take a little of the first, its queue the
    // rest, and the second overflows it; the fast client drains both
    burst(BURST).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    burst(BURST).await;
    let seen = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("fast client in time")
        .expect("reader");
    assert_eq!(seen, 2 * BURST, "the fast client got every event");
    let mut buffered = 0;
    let reason = loop {
        match tokio::time::timeout(Duration::from_secs(10), slow.next()).await {
            Ok(Some(Ok(Message::Close(Some(frame))))) => {
                break Some((u16::from(frame.code), frame.reason.to_string()))
            }
            Ok(Some(Ok(_))) => buffered += 1,
            _ => break None,
        }
    };
    let (code, why) =
        reason.unwrap_or_else(|| panic!("the slow client is closed (it read {buffered} frames)"));
    assert_eq!(code, 1013);
    assert!(why.contains("resume with since"), "{why}");
    assert!(
        buffered < 2 * BURST as usize,
        "it was cut off before getting everything"
    );
}
