//! Configuration, read from the environment once at start-up and passed in (tests build their own).

use std::net::SocketAddr;

/// Everything the server needs to know about where it runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// PostgreSQL connection URL. The database is created if it does not exist.
    pub database_url: String,
    /// Address the HTTP server listens on.
    pub listen_addr: SocketAddr,
    /// Directory holding the built site (wasm, JS, CSS, glyphs, MapLibre), as cargo-leptos lays it out.
    pub site_root: String,
    /// Optional MapLibre style URL drawn under the district layers (e.g. a local tile server's style).
    /// Without it the map draws on a plain background and needs no internet.
    pub basemap_style_url: Option<String>,
    /// Base of the cameras' RTSP URLs in the seed (each camera appends its own path).
    pub camera_rtsp_base: String,
    /// Public base URL used in OGC links (`http://host:port`); by default taken from the request's Host.
    pub public_url: Option<String>,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Password of the `admin` user created at first start; without it one is generated and logged once.
    pub admin_password: Option<String>,
    /// Create the demo `operator` and `planner` accounts (`make run` does; never in production).
    pub demo_users: bool,
    /// Drive the patrol vehicles' cameras along the streets (on unless `IOC_SIMULATE_VEHICLES=0`).
    pub simulate_vehicles: bool,
    /// Days the live event log is kept for resuming clients (`IOC_LIVE_RETENTION_DAYS`, default 7).
    pub live_retention_days: i32,
    /// Frames a WebSocket client may have queued before it is cut off (`IOC_WS_QUEUE`, default 1024).
    pub ws_queue: usize,
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/ioc_map";
pub const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:3000";

/// An environment variable held a value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}={value:?} is not valid: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub reason: String,
}

impl Config {
    /// Reads `DATABASE_URL`, `IOC_SECURE_COOKIES`, `IOC_ADMIN_PASSWORD`, `IOC_DEMO_USERS`, `LISTEN_ADDR` (or cargo-leptos' `LEPTOS_SITE_ADDR`), `LEPTOS_SITE_ROOT`,
    /// `IOC_BASEMAP_STYLE_URL`, `IOC_CAMERA_RTSP_BASE` and `IOC_PUBLIC_URL`, with defaults that work on a
    /// developer machine (PostgreSQL on 127.0.0.1:5432, user postgres, trust auth).
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let listen_name = if var("LISTEN_ADDR").is_some() {
            "LISTEN_ADDR"
        } else {
            "LEPTOS_SITE_ADDR"
        };
        let listen = var(listen_name).unwrap_or_else(|| DEFAULT_LISTEN_ADDR.to_string());
        let listen_addr = listen
            .parse()
            .map_err(|e: std::net::AddrParseError| ConfigError {
                name: listen_name,
                value: listen.clone(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            listen_addr,
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_string()),
            basemap_style_url: var("IOC_BASEMAP_STYLE_URL"),
            camera_rtsp_base: var("IOC_CAMERA_RTSP_BASE")
                .unwrap_or_else(|| "rtsp://127.0.0.1:8554".to_string()),
            public_url: var("IOC_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string()),
            secure_cookies: flag("IOC_SECURE_COOKIES")?,
            admin_password: var("IOC_ADMIN_PASSWORD"),
            demo_users: flag("IOC_DEMO_USERS")?,
            simulate_vehicles: var("IOC_SIMULATE_VEHICLES").is_none()
                || flag("IOC_SIMULATE_VEHICLES")?,
            live_retention_days: number("IOC_LIVE_RETENTION_DAYS", 7)?,
            ws_queue: number("IOC_WS_QUEUE", 1024)?,
        })
    }
}

/// A yes/no environment variable: 1/true/yes or 0/false/no (absent: no).
fn flag(name: &'static str) -> Result<bool, ConfigError> {
    match std::env::var(name).ok().as_deref().map(str::trim) {
        None | Some("") | Some("0") | Some("false") | Some("no") => Ok(false),
        Some("1") | Some("true") | Some("yes") => Ok(true),
        Some(other) => Err(ConfigError {
            name,
            value: other.to_string(),
            reason: "use 1 or 0".into(),
        }),
    }
}

/// A positive whole number from the environment, or the default.
fn number<T: std::str::FromStr + PartialOrd + Default>(
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match std::env::var(name).ok().filter(|v| !v.trim().is_empty()) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<T>()
            .ok()
            .filter(|n| *n > T::default())
            .ok_or(ConfigError {
                name,
                value: v,
                reason: "use a positive whole number".into(),
            }),
    }
}
