//! The server's state, assembled in one place. `main` starts a whole server with
//! [`AppState::start`]; the benchmarks run that binary; the integration tests, which share one
//! prepared database, start the services with [`AppState::on`] (everything but the database
//! preparation, the first users, the patrol simulator and the housekeeping of `start`).

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use crate::cluster::{self, lease};
use crate::config::Config;
use crate::files::Files;
use crate::live::{Live, LiveConfig};
use crate::{auth, cameras, db, idempotency, incidents, planner, video};

/// Shared by every handler: configuration, the database pool, the Leptos site options, the services.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: PgPool,
    pub leptos_options: LeptosOptions,
    /// The live fan-out (incidents, cameras) behind `/ws`.
    pub live: Arc<Live>,
    /// Camera pulls and WebRTC viewers.
    pub video: Arc<video::Video>,
    /// Sign-in password checks in flight per client address (`auth::attempts`).
    pub sign_ins: Arc<auth::attempts::InFlight>,
    /// Sessions recently checked and rights ended since (`auth::revoke`).
    pub rights: Arc<auth::Rights>,
    /// The file store every node reads and writes (`files`).
    pub files: Files,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Why a server could not start, and what it was doing.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] db::DbError),
    #[error("while creating the first users: {0}")]
    Users(#[source] sqlx::Error),
    /// The store says what it was doing ("while loading the live features: …").
    #[error("starting the live layers: {0}")]
    Live(#[source] crate::error::StoreError),
    #[error("while closing the viewing audit rows left open: {0}")]
    Audit(#[source] sqlx::Error),
    #[error("opening the file store: {0}")]
    Files(#[source] crate::files::FilesError),
}

impl AppState {
    /// A whole server from its configuration: the database created, migrated and seeded, the first
    /// users, the live service loaded, the patrol simulator (when configured), the video service,
    /// and the periodic housekeeping.
    pub async fn start(config: Config) -> Result<AppState, StartError> {
        let pool = db::prepare_with(
            &config.database_url,
            &config.camera_rtsp_base,
            config.statement_timeout,
        )
        .await?;
        auth::password::configure(config.sign_in.password_workers);
        // before anything is served: a rebuilt file never goes out as its old compressed copy
        crate::precompress::remove_stale(&config.site_root);
        let site = config.site_root.clone();
        tokio::task::spawn_blocking(move || crate::precompress::compress_site(&site));
        let files = Files::open(&config.files).map_err(StartError::Files)?;
        tracing::info!(files = files.location(), "file store");
        spawn_housekeeping(&pool, &config, &files);
        auth::bootstrap(&pool, config.admin_password.clone(), config.demo_users)
            .await
            .map_err(StartError::Users)?;
        let live = Live::start(pool.clone(), live_config(&config))
            .await
            .map_err(StartError::Live)?;
        // without the bus the node still works: other nodes' events come from polling the log
        let bus = match &config.nats_url {
            Some(url) => match cluster::bus::Bus::connect(url, &config.cluster).await {
                Ok(bus) => Some(bus),
                Err(e) => {
                    tracing::error!(error = %e, "no event bus: other nodes' events come from polling the log");
                    None
                }
            },
            None => None,
        };
        if let Some(bus) = &bus {
            if let Err(e) = live.attach_bus(bus.clone()).await {
                tracing::error!(error = %e, "live events do not cross nodes: they come from polling the log");
            }
        }
        if config.simulate_vehicles {
            // once per cluster: every node would otherwise drive the same vehicles
            let (live, speed) = (live.clone(), config.simulate_speed);
            lease::run(pool.clone(), &config.cluster, lease::VEHICLES, move || {
                cameras::vehicles::run(live.clone(), speed)
            });
        }
        let left_open = video::store::close_left_open(&pool, &config.video.server_id)
            .await
            .map_err(StartError::Audit)?;
        if left_open > 0 {
            tracing::warn!(
                rows = left_open,
                server = %config.video.server_id,
                "closed viewing audit rows the previous run left open"
            );
        }
        let state = AppState::on(pool, config, live)?;
        if let Some(bus) = &bus {
            if let Err(e) = state.video.attach_bus(bus).await {
                tracing::error!(error = %e, "no video leases: each node pulls the cameras its viewers watch");
            }
        }
        if let Some(bus) = bus {
            if let Err(e) = auth::revoke::join_bus(&state, bus).await {
                tracing::error!(error = %e, "rights ended on other nodes reach this one only through the database");
            }
        }
        Ok(state)
    }

    /// The services on a prepared pool and a live service already started: the video service, the
    /// incidents' expiry. (Tests that share one database start here, each with its own live settings.)
    /// Each state records its own rights' endings: two states must not share one live service.
    pub fn on(pool: PgPool, config: Config, live: Arc<Live>) -> Result<AppState, StartError> {
        let files = Files::open(&config.files).map_err(StartError::Files)?;
        incidents::expiry::spawn(&live, &config.cluster);
        let video = video::Video::start(pool.clone(), live.clone(), config.video.clone());
        Ok(AppState {
            leptos_options: leptos_options(&config),
            config: Arc::new(config),
            pool,
            live,
            video,
            sign_ins: Default::default(),
            rights: Default::default(),
            files,
        })
    }
}

/// The live service's settings from the configuration.
pub fn live_config(config: &Config) -> LiveConfig {
    LiveConfig {
        retention_days: config.live_retention_days,
        queue_capacity: config.ws_queue,
        fanout_threads: config.fanout_threads,
        resume_max: config.live_resume_max,
        memory_events: config.live_resume_max.saturating_mul(2),
        cluster: config.cluster.clone(),
        ..LiveConfig::default()
    }
}

/// Once a minute, for as long as the server runs, on the one node of the cluster that holds the
/// housekeeping lease: sign-in records past their window and idempotency keys past their 24 hours
/// are deleted, so neither table grows with traffic, and saved exports past their days leave the
/// file store with their rows.
pub fn spawn_housekeeping(pool: &PgPool, config: &Config, files: &Files) {
    let (on, files) = (pool.clone(), files.clone());
    let window = config.sign_in.window_secs;
    lease::run(
        pool.clone(),
        &config.cluster,
        lease::HOUSEKEEPING,
        move || housekeeping(on.clone(), files.clone(), window),
    );
}

async fn housekeeping(pool: PgPool, files: Files, sign_in_window_secs: i32) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every.tick().await;
        if let Err(e) = planner::saved::housekeeping(&pool, &files).await {
            tracing::warn!(error = %e, "could not delete the saved exports past their days");
        }
        if let Err(e) = auth::attempts::trim(&pool, sign_in_window_secs).await {
            tracing::warn!(error = %e, "could not trim sign-in records");
        }
        if let Err(e) = idempotency::trim(&pool).await {
            tracing::warn!(error = %e, "could not trim idempotency keys");
        }
    }
}

/// Leptos options from the configuration (cargo-leptos' `LEPTOS_*` variables name the same things).
///
/// The built site's file names carry their content's hash (issue #12): cargo-leptos writes the
/// hashes to `hash.txt` in the site root (`hash-file-name` in Cargo.toml), and Leptos reads them to
/// name the files in each page. Leptos looks for that file beside the running executable; an
/// absolute path makes it the site's own, wherever the server runs from (a test binary too).
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let hash_file = std::path::Path::new(&config.site_root).join("hash.txt");
    let hash_file = std::path::absolute(&hash_file).unwrap_or(hash_file);
    LeptosOptions::builder()
        .hash_files(hash_file.exists())
        .hash_file(std::sync::Arc::<str>::from(hash_file.to_string_lossy()))
        .output_name(std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "ioc-map".into()))
        .site_root(config.site_root.clone())
        .site_pkg_dir(std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".into()))
        .site_addr(config.listen_addr)
        .build()
}
