//! Starts the ioc-map server: configuration, database (created, migrated, seeded), routes.

use std::sync::Arc;

use std::net::SocketAddr;

use axum::serve::ListenerExt;

use server::live::{Live, LiveConfig};
use server::{auth, config::Config, db, leptos_options, router, AppState};
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
    let pool = db::prepare(&config.database_url, &config.camera_rtsp_base).await?;
    auth::bootstrap(&pool, config.admin_password.clone(), config.demo_users).await?;
    let live = Live::start(
        pool.clone(),
        LiveConfig {
            retention_days: config.live_retention_days,
            queue_capacity: config.ws_queue,
            resume_max: config.live_resume_max,
            ..LiveConfig::default()
        },
    )
    .await?;
    if config.simulate_vehicles {
        tokio::spawn(server::live::simulator::run(live.clone()));
    }
    let video = server::video::Video::start(pool.clone(), live.clone(), config.video.clone());
    let state = AppState {
        leptos_options: leptos_options(&config),
        config: Arc::new(config.clone()),
        pool,
        live,
        video,
    };
    let listener = tokio::net::TcpListener::bind(config.listen_addr).await?;
    tracing::info!("ioc-map listening on http://{}", config.listen_addr);
    // the client's address feeds the sign-in limit
    axum::serve(
        listener.tap_io(server::tune_connection),
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
