//! `GET /ws`: the live protocol over a WebSocket (JSON text frames; `docs/live-protocol.md`).
//! Operators and admins only; upgrades from another origin are refused by the cross-site guard.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use futures_util::{SinkExt, StreamExt};

use app::live_types::{ClientMessage, LIVE_LAYERS};

use super::{ClientHandle, Live};
use crate::auth::{revoke, Principal};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/ws", get(upgrade))
}

async fn upgrade(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ws: WebSocketUpgrade,
) -> Response {
    // small buffers: thousands of clients each hold one (tungstenite's default read buffer is 128 KiB)
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| session(state.live.clone(), principal, socket))
}

/// Why a client's message is refused: the socket closes with code 1008 and this reason.
fn check(msg: &ClientMessage) -> Result<(), String> {
    if let ClientMessage::Subscribe { bbox, layers, .. } = msg {
        let [a, b, c, d] = *bbox;
        if !bbox.iter().all(|v| v.is_finite())
            || a > c
            || b > d
            || !(-180.0..=180.0).contains(&a)
            || !(-180.0..=180.0).contains(&c)
            || !(-90.0..=90.0).contains(&b)
            || !(-90.0..=90.0).contains(&d)
        {
            return Err("bbox must be [minLon, minLat, maxLon, maxLat] in range".into());
        }
        if let Some(l) = layers.iter().find(|l| !LIVE_LAYERS.contains(&l.as_str())) {
            return Err(format!("unknown live layer {l:?}"));
        }
    }
    Ok(())
}

async fn session(live: Arc<Live>, principal: Principal, socket: WebSocket) {
    let holder = principal.holder();
    let client = live.connect(holder.clone());
    // rights taken away between the upgrade's check and now: end at once
    if holder.is_some_and(|h| revoke::revoked_since(revoke::realm(&live), &h, principal.checked_at))
    {
        client.end("your rights have changed: sign in again");
    }
    let (mut tx, mut rx) = socket.split();
    let writer_client = client.clone();
    let mut writer = tokio::spawn(async move { write_loop(&writer_client, &mut tx).await });
    loop {
        tokio::select! {
            _ = &mut writer => break,
            _ = client.ended.notified() => {
                // rights ended: a second for the close frame, then the socket goes regardless
                let _ = tokio::time::timeout(std::time::Duration::from_secs(1), &mut writer).await;
                break;
            }
            msg = rx.next() => {
                let Some(Ok(msg)) = msg else { break };
                let text = match msg {
                    Message::Text(t) => t,
                    Message::Close(_) => break,
                    _ => continue,
                };
                match serde_json::from_str::<ClientMessage>(&text).map_err(|e| e.to_string()).and_then(|m| check(&m).map(|_| m)) {
                    Ok(ClientMessage::Ping) => {
                        client.outbox.lock().unwrap_or_else(|p| p.into_inner()).push(r#"{"type":"pong"}"#.into());
                        client.wake.notify_one();
                    }
                    Ok(ClientMessage::Subscribe { bbox, layers, since }) => live.subscribe(&client, bbox, &layers, since).await,
                    Err(reason) => {
                        client.outbox.lock().unwrap_or_else(|p| p.into_inner()).close(format!("bad message: {reason}"));
                        client.wake.notify_one();
                    }
                }
            }
        }
    }
    live.disconnect(client.id);
    writer.abort();
}

/// Frames the writer takes from the queue at a time.
const BATCH: usize = 64;

/// Sends queued frames as they come, a small batch at a time so that what a blocked socket has not
/// taken stays in the bounded queue; when the queue closes (overflow, bad input) sends a close frame
/// with the reason.
async fn write_loop(
    client: &ClientHandle,
    tx: &mut futures_util::stream::SplitSink<WebSocket, Message>,
) {
    loop {
        client.wake.notified().await;
        loop {
            let (frames, closed) = {
                let mut q = client.outbox.lock().unwrap_or_else(|p| p.into_inner());
                (q.take(BATCH), q.closed())
            };
            if frames.is_empty() {
                if let Some((code, reason)) = closed {
                    let _ = tx
                        .send(Message::Close(Some(CloseFrame {
                            code,
                            reason: reason.into(),
                        })))
                        .await;
                    return;
                }
                break;
            }
            for f in frames {
                if tx.feed(Message::Text(f.as_ref().into())).await.is_err() {
                    return;
                }
            }
            if tx.flush().await.is_err() {
                return;
            }
        }
    }
}
