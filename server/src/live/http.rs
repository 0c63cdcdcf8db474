//! `GET /ws`: the live protocol over a WebSocket (JSON text frames; `docs/live-protocol.md`).
//! Operators and admins only; upgrades from another origin are refused by the cross-site guard.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use futures_util::{SinkExt, StreamExt};

use app::live_types::ClientMessage;

use super::rules::parse_message;
use super::{outbox, ClientHandle, Live};
use crate::auth::{Principal, Rights};
use crate::error::ApiError;
use crate::AppState;

type Bbox = [f64; 4];

pub fn router() -> Router<AppState> {
    Router::new().route("/ws", get(upgrade))
}

/// The largest message (and frame) a client may send: a subscribe is a few hundred bytes. The frame
/// cap matters as much as the message cap: without it a 16 MiB frame is buffered whole first.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// A socket's subscribes after its first are applied at most this often, and all of a user's sockets
/// together at most `Live::view_budget` allows; the ones in between are replaced by the latest (a pan
/// supersedes the previous one), so a client sending thousands of them cannot keep the hub busy for
/// everyone else's events. `ws-bench 1000 100 20` measures it.
pub const MIN_SUBSCRIBE_INTERVAL: Duration = Duration::from_millis(100);

/// Messages a socket may send in one second (a map sends a few); past it the socket is closed.
pub const MAX_MESSAGES_PER_SECOND: u32 = 50;

async fn upgrade(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ws: WebSocketUpgrade,
) -> Response {
    let cap = state.config.ws_per_user;
    if state.live.is_closing() {
        return ApiError::unavailable("the server is restarting; connect again shortly")
            .into_response();
    }
    if let Some(user) = &principal.user {
        if state.live.sockets_of(user.id) >= cap {
            return too_many_sockets(cap).into_response();
        }
    }
    // small buffers: thousands of clients each hold one (tungstenite's default read buffer is 128 KiB)
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| {
            session(
                state.live.clone(),
                state.rights.clone(),
                principal,
                socket,
                cap,
            )
        })
}

fn too_many_sockets(cap: usize) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_sockets",
        format!("at most {cap} live connections per user; close another tab or screen first"),
    )
}

async fn session(
    live: Arc<Live>,
    rights: Arc<Rights>,
    principal: Principal,
    mut socket: WebSocket,
    cap: usize,
) {
    let holder = principal.holder();
    let user_id = holder.as_ref().map_or(0, |h| h.user_id);
    // the upgrade's check and this registration are apart: parallel upgrades are decided here
    let Some(client) = live.connect_capped(holder.clone(), cap) else {
        let (code, reason) = if live.is_closing() {
            (
                outbox::CLOSE_GOING_AWAY,
                "the server is restarting".to_string(),
            )
        } else {
            (outbox::CLOSE_OVERFLOW, too_many_sockets(cap).message)
        };
        let _ = socket
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
        return;
    };
    // rights taken away between the upgrade's check and now: end at once
    if holder.is_some_and(|h| rights.endings.revoked_since(&h, principal.checked_at)) {
        client.end("your rights have changed: sign in again");
    }
    let (mut tx, mut rx) = socket.split();
    let writer_client = client.clone();
    let mut writer = super::fanout::spawn(async move { write_loop(&writer_client, &mut tx).await });
    // the writers' runtime outlives every session: a writer whose session was cancelled (a
    // test's runtime dropped, a panic) would otherwise hold its socket for good
    let _stop_writer = crate::sync::AbortOnDrop(writer.abort_handle());
    // the first subscribe is answered at once while the user's budget lasts; later ones wait for
    // `not_before` and the budget, the latest replacing any that waited
    let mut subscribed = false;
    let mut not_before = Instant::now();
    let mut pending: Option<(Bbox, Vec<String>, Option<i64>)> = None;
    let mut second = (Instant::now(), 0u32);
    loop {
        tokio::select! {
            _ = &mut writer => break,
            () = tokio::time::sleep_until(not_before), if pending.is_some() => {
                let now = Instant::now();
                match live.view_budget(user_id, now) {
                    Ok(()) => {
                        if let Some((bbox, layers, since)) = pending.take() {
                            not_before = now + MIN_SUBSCRIBE_INTERVAL;
                            live.subscribe(&client, bbox, &layers, since).await;
                        }
                    }
                    Err(wait) => not_before = now + wait,
                }
            }
            () = client.ended.notified() => {
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
                if second.0.elapsed() >= Duration::from_secs(1) {
                    second = (Instant::now(), 0);
                }
                second.1 += 1;
                if second.1 > MAX_MESSAGES_PER_SECOND {
                    // a map sends a few a second; this is a flood: close (1008) and read no more
                    crate::sync::lock(&client.outbox).close(format!(
                        "too many messages: at most {MAX_MESSAGES_PER_SECOND} a second"
                    ));
                    client.wake.notify_one();
                    let _ = tokio::time::timeout(Duration::from_secs(1), &mut writer).await;
                    break;
                }
                match parse_message(&text) {
                    Ok(ClientMessage::Ping) => {
                        crate::sync::lock(&client.outbox).push(r#"{"type":"pong"}"#.into());
                        client.wake.notify_one();
                    }
                    Ok(ClientMessage::Subscribe { bbox, layers, since }) => {
                        // a socket's first subscribe (its snapshots) also costs from the budget:
                        // otherwise reconnecting would be a way round it
                        if !subscribed && live.view_budget(user_id, Instant::now()).is_ok() {
                            subscribed = true;
                            not_before = Instant::now() + MIN_SUBSCRIBE_INTERVAL;
                            live.subscribe(&client, bbox, &layers, since).await;
                        } else {
                            subscribed = true;
                            pending = Some((bbox, layers, since));
                        }
                    }
                    Err(reason) => {
                        crate::sync::lock(&client.outbox).close(format!("bad message: {reason}"));
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
                let mut q = crate::sync::lock(&client.outbox);
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
                if tx.feed(Message::Text(f)).await.is_err() {
                    return;
                }
            }
            if tx.flush().await.is_err() {
                return;
            }
        }
    }
}
