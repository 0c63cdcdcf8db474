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
    Command::new(env!("CARGO_BIN_EXE_server"))
        .env("DATABASE_URL", database_url())
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("IOC_SIMULATE_VEHICLES", "0")
        .env("IOC_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server binary")
}

/// A plain HTTP/1.1 request; the whole answer as text.
async fn http(port: u16, request: String) -> Option<String> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(request.as_bytes()).await.ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).await.ok()?;
    Some(out)
}

async fn wait_healthy(port: u16) {
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

async fn cookie(port: u16) -> String {
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
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Err(_) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

#[tokio::test]
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
