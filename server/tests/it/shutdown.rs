//! SIGTERM: the server stops accepting, closes live sockets with a close frame (1001), ends video
//! sessions and exits within 10 s; audit rows a crash left open are closed when it starts again.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

use crate::common::{database_url, pool};
use crate::restart::{cookie, free_port, start_server_env, wait_healthy};

#[tokio::test]
async fn sigterm_closes_sockets_with_a_frame_and_exits_promptly() {
    let port = free_port();
    // a viewing row its previous run left open (it was killed): closed when it starts
    let server_id = format!("shutdown-test-{port}");
    let session = format!("left-open-{port}");
    sqlx::query(
        "INSERT INTO camera_views (session_id, camera_id, username, server_id) VALUES ($1, 'cam-0001', 'operator', $2)",
    )
    .bind(&session)
    .bind(&server_id)
    .execute(&pool().await)
    .await
    .expect("insert a left-open row");
    let mut server = start_server_env(port, &database_url(), &[("IOC_SERVER_ID", &server_id)]);
    wait_healthy(port).await;
    let (ended_at, reason): (Option<chrono::DateTime<chrono::Utc>>, Option<String>) =
        sqlx::query_as("SELECT ended_at, end_reason FROM camera_views WHERE session_id = $1")
            .bind(&session)
            .fetch_one(&pool().await)
            .await
            .expect("row");
    assert!(ended_at.is_some(), "closed at start-up");
    assert!(reason.unwrap_or_default().contains("next start"));

    let cookie = cookie(port).await;
    let mut req = format!("ws://127.0.0.1:{port}/ws")
        .into_client_request()
        .expect("request");
    req.headers_mut()
        .insert("cookie", cookie.parse().expect("cookie"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connect");
    // subscribed and answered: the socket is registered
    ws.send(Message::Text(
        r#"{"type":"subscribe","bbox":[106.69,10.77,106.70,10.78],"layers":["incidents"]}"#.into(),
    ))
    .await
    .expect("send");
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) if t.contains("\"synced\"") => break,
            Ok(Some(Ok(_))) => continue,
            other => panic!("no answer to subscribe: {other:?}"),
        }
    }
    let sent = Instant::now();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(signalled.success(), "SIGTERM sent");
    let close = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(m) = ws.next().await {
            if let Ok(Message::Close(frame)) = m {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("a close frame within 10 s");
    assert_eq!(close, Some(1001), "going away: the browser reconnects");
    let exited = loop {
        if let Some(status) = server.try_wait().expect("status") {
            break status;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(12),
            "the server exits within 10 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exited.success(), "{exited:?}");
    eprintln!("SIGTERM to exit: {:?}", sent.elapsed());
    // nothing listens any more
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());
}
