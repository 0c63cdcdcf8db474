//! `camsim` binary: the RTSP camera simulator plus a tiny HTTP control API.
//!
//! ```text
//! camsim [--listen 127.0.0.1:8554] [--cameras data/district1/cameras.geojson] [--loop]
//!        [--control 127.0.0.1:8555]
//! ```
//! Each flag can also be given by environment: CAMSIM_LISTEN, CAMSIM_CAMERAS, CAMSIM_LOOP=1,
//! CAMSIM_CONTROL. Control API: `POST /cameras/{id}/stop`, `POST /cameras/{id}/start`,
//! `GET /stats`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use camsim::{Config, Handle, Mode};

const USAGE: &str =
    "usage: camsim [--listen ADDR] [--cameras FILE.geojson] [--loop] [--control ADDR]
  --listen   RTSP address (default 127.0.0.1:8554, env CAMSIM_LISTEN)
  --cameras  GeoJSON cameras (default data/district1/cameras.geojson, env CAMSIM_CAMERAS)
  --loop     replay a pre-encoded clip instead of one ffmpeg per watched camera (env CAMSIM_LOOP=1)
  --control  HTTP control API address (default 127.0.0.1:8555, env CAMSIM_CONTROL)";

struct Args {
    listen: SocketAddr,
    cameras: PathBuf,
    looped: bool,
    control: SocketAddr,
}

fn parse_args() -> Result<Args, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut listen = env("CAMSIM_LISTEN").unwrap_or_else(|| "127.0.0.1:8554".into());
    let mut cameras =
        env("CAMSIM_CAMERAS").unwrap_or_else(|| "data/district1/cameras.geojson".into());
    let mut looped = env("CAMSIM_LOOP").is_some_and(|v| v != "0" && v != "false");
    let mut control = env("CAMSIM_CONTROL").unwrap_or_else(|| "127.0.0.1:8555".into());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--listen" => listen = value()?,
            "--cameras" => cameras = value()?,
            "--control" => control = value()?,
            "--loop" => looped = true,
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    Ok(Args {
        listen: listen
            .parse()
            .map_err(|e| format!("--listen {listen}: {e}"))?,
        cameras: cameras.into(),
        looped,
        control: control
            .parse()
            .map_err(|e| format!("--control {control}: {e}"))?,
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("camsim: {e}");
            }
            eprintln!("{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> std::io::Result<()> {
    let cameras = camsim::cameras_from_geojson(&args.cameras)?;
    tracing::info!(count = cameras.len(), file = %args.cameras.display(), "cameras loaded");
    let handle = Arc::new(
        camsim::start(Config {
            listen: args.listen,
            cameras,
            mode: if args.looped { Mode::Loop } else { Mode::Live },
            ..Config::default()
        })
        .await?,
    );
    let app = Router::new()
        .route("/cameras/{id}/stop", post(stop_camera))
        .route("/cameras/{id}/start", post(start_camera))
        .route("/stats", get(stats))
        .with_state(handle.clone());
    let control = tokio::net::TcpListener::bind(args.control).await?;
    tracing::info!(addr = %args.control, "control API listening");
    axum::serve(control, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("Ctrl-C: shutting down");
        })
        .await?;
    // ends the sessions and kills the ffmpeg children (kill_on_drop) before the runtime exits
    handle.shutdown();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    Ok(())
}

async fn stop_camera(State(h): State<Arc<Handle>>, Path(id): Path<String>) -> StatusCode {
    if h.stop_camera(&id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn start_camera(State(h): State<Arc<Handle>>, Path(id): Path<String>) -> StatusCode {
    if h.start_camera(&id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn stats(State(h): State<Arc<Handle>>) -> Json<serde_json::Value> {
    Json(h.stats().to_json())
}
