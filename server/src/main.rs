//! Starts the ioc-map server: its configuration, its state (`AppState::start`: the database
//! created, migrated and seeded, the services), its routes; and stops it on SIGTERM or Ctrl-C.

use std::sync::Arc;

use std::net::SocketAddr;

use axum::serve::ListenerExt;

use server::live::Live;
use server::{config::Config, router, AppState};
use tracing_subscriber::EnvFilter;

/// Our own info lines; the WebRTC stack logs every ICE and DTLS step at info, so only its warnings.
const DEFAULT_LOG: &str = "info,sqlx=warn,webrtc=warn,rtc=warn,rtc_ice=warn,rtc_dtls=warn,rtc_srtp=warn,rtc_sctp=warn,rtc_interceptor=warn,retina=warn";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG)),
        )
        .init();
    let config = Config::from_env()?;
    let state = AppState::start(config.clone()).await?;
    let (live_for_shutdown, video) = (state.live.clone(), state.video.clone());
    let listener = tokio::net::TcpListener::bind(config.listen_addr).await?;
    tracing::info!("ioc-map listening on http://{}", config.listen_addr);
    // the client's address feeds the sign-in limit
    axum::serve(
        listener.tap_io(server::tune_connection),
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown(live_for_shutdown, video))
    .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Longest a shutdown may take before the process exits regardless.
const SHUTDOWN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// Resolves on SIGTERM or Ctrl-C, once the live sockets have been told (close 1001: they reconnect,
/// to this server's successor or another node) and every video session has ended with its audit row
/// closed. From the signal on, new live sockets and video sessions are refused (503); when this
/// resolves the listener closes, and open requests get until the deadline.
async fn shutdown(live: Arc<Live>, video: Arc<server::video::Video>) {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
    tracing::info!("shutting down: closing live sockets and video sessions");
    tokio::spawn(async {
        tokio::time::sleep(SHUTDOWN_DEADLINE).await;
        tracing::warn!("shutdown took longer than {SHUTDOWN_DEADLINE:?}; exiting now");
        std::process::exit(0);
    });
    let sockets = live.shut_down();
    let sessions = video.end_all("the server is stopping").await;
    // the close frames go out from the sockets' own tasks: give them a moment to be sent
    let closing = std::time::Instant::now();
    while live.clients() > 0 && closing.elapsed() < std::time::Duration::from_secs(3) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tracing::info!(
        sockets,
        sessions,
        still_open = live.clients(),
        "live sockets and video sessions closed"
    );
}
