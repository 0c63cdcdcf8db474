//! The live socket under abuse: huge frames, too many sockets, a subscribe flood.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::common::Who;
use crate::live::{connect, serve};

/// A 1 MiB frame used to be buffered whole before the 64 KiB message cap applied; now the socket is
/// closed as soon as the frame's header says it is too big.
#[tokio::test]
async fn a_frame_over_64_kib_closes_the_socket() {
    let (app, addr) = serve().await;
    let mut ws = connect(&app, addr, Who::Operator).await.expect("connect");
    let huge = format!(
        "{{\"type\":\"ping\",\"pad\":\"{}\"}}",
        "x".repeat(1024 * 1024)
    );
    let _ = ws.send(Message::Text(huge.into())).await;
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    })
    .await
    .expect("the socket ends");
    assert!(
        matches!(
            ended,
            None | Some(CloseCode::Size) | Some(CloseCode::Protocol)
        ),
        "{ended:?}"
    );
}

/// One user may hold 16 live sockets (the big screen, tabs, phones); the 17th upgrade is a 429.
#[tokio::test]
async fn a_user_gets_at_most_sixteen_sockets() {
    let (app, addr) = serve().await;
    let mut operator = Vec::new();
    for i in 0..16 {
        operator.push(
            connect(&app, addr, Who::Operator)
                .await
                .unwrap_or_else(|e| panic!("socket {i}: {e}")),
        );
    }
    match connect(&app, addr, Who::Operator).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 429)
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a 17th socket was accepted"),
    }
    // closing one frees its place
    let mut first = operator.remove(0);
    first.close(None).await.expect("close");
    drop(first);
    let started = Instant::now();
    loop {
        if connect(&app, addr, Who::Operator).await.is_ok() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the place came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// 2,000 subscribes sent as fast as possible: they are coalesced (the latest wins), so the hub is
/// asked a few dozen times, not 2,000, and the flooding socket ends up holding its last viewport.
#[tokio::test]
async fn a_subscribe_flood_is_coalesced_to_the_latest_viewport() {
    let (app, addr) = serve().await;
    let mut ws = connect(&app, addr, Who::Operator).await.expect("connect");
    let started = Instant::now();
    for i in 0..2000 {
        let x = 106.69 + (i % 10) as f64 * 0.001;
        let msg = json!({"type": "subscribe", "bbox": [x, 10.77, x + 0.01, 10.78], "layers": ["incidents"]});
        ws.send(Message::Text(msg.to_string().into()))
            .await
            .expect("send");
    }
    let sent_in = started.elapsed();
    // the last one is answered; count the answers until the socket falls silent
    let mut synced = 0;
    while let Ok(Some(Ok(m))) = tokio::time::timeout(Duration::from_secs(2), ws.next()).await {
        if let Message::Text(t) = m {
            if t.contains("\"type\":\"synced\"") {
                synced += 1;
            }
        }
    }
    let budget = 2 + (sent_in.as_millis() / 100) as usize + 20;
    assert!(
        (1..=budget).contains(&synced),
        "{synced} answers to 2,000 subscribes sent in {sent_in:?}"
    );
    eprintln!("subscribe flood: 2000 sent in {sent_in:?}, {synced} answered");
}
