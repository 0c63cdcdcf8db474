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
        matches!(ended, None | Some(CloseCode::Size | CloseCode::Protocol)),
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
            assert_eq!(resp.status(), 429);
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

/// Subscribes sent faster than the hub applies them are coalesced: the latest wins, so 40 pans in a
/// burst are answered twice (the first at once, the latest 100 ms later), not 40 times.
#[tokio::test]
async fn a_burst_of_subscribes_is_coalesced_to_the_latest_viewport() {
    let (app, addr) = serve().await;
    let mut ws = connect(&app, addr, Who::Operator).await.expect("connect");
    for i in 0..40 {
        let x = 106.69 + f64::from(i % 10) * 0.001;
        let msg = json!({"type": "subscribe", "bbox": [x, 10.77, x + 0.01, 10.78], "layers": ["incidents"]});
        ws.send(Message::Text(msg.to_string().into()))
            .await
            .expect("send");
    }
    let mut synced = 0;
    while let Ok(Some(Ok(m))) = tokio::time::timeout(Duration::from_secs(2), ws.next()).await {
        if let Message::Text(t) = m {
            if t.contains("\"type\":\"synced\"") {
                synced += 1;
            }
        }
    }
    assert!(
        (1..=4).contains(&synced),
        "{synced} answers to 40 subscribes"
    );
    eprintln!("subscribe burst: 40 sent, {synced} answered");
}

/// A socket sending thousands of messages a second is a flood, not a map: it is closed (1008).
#[tokio::test]
async fn a_message_flood_closes_the_socket() {
    let (app, addr) = serve().await;
    let mut ws = connect(&app, addr, Who::Operator).await.expect("connect");
    let started = Instant::now();
    for i in 0..2000 {
        let x = 106.69 + f64::from(i % 10) * 0.001;
        let msg = json!({"type": "subscribe", "bbox": [x, 10.77, x + 0.01, 10.78], "layers": ["incidents"]});
        if ws
            .send(Message::Text(msg.to_string().into()))
            .await
            .is_err()
        {
            break;
        }
    }
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => {
                    return frame.map(|f| (f.code, f.reason.to_string()))
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    })
    .await
    .expect("the socket is closed");
    let (code, reason) = closed.expect("with a close frame");
    assert_eq!(code, CloseCode::Policy, "{reason}");
    assert!(reason.contains("too many messages"), "{reason}");
    eprintln!("message flood closed after {:?}", started.elapsed());
}

/// All of a user's sockets share one budget of view changes: 20 at once, then 5 a second.
#[tokio::test]
async fn a_users_sockets_share_one_budget_of_view_changes() {
    let live = server::live::Live::detached(crate::common::pool().await, Default::default());
    let t0 = tokio::time::Instant::now();
    for i in 0..20 {
        assert_eq!(live.view_budget(7, t0), Ok(()), "burst {i}");
    }
    let wait = live.view_budget(7, t0).expect_err("the burst is spent");
    assert!(
        wait <= Duration::from_millis(200) && wait > Duration::ZERO,
        "{wait:?}"
    );
    assert_eq!(
        live.view_budget(8, t0),
        Ok(()),
        "another user has their own"
    );
    let t1 = t0 + Duration::from_secs(1);
    let granted = (0..10).filter(|_| live.view_budget(7, t1).is_ok()).count();
    assert_eq!(granted, 5, "a second later, five more");
}
