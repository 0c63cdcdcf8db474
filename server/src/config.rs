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
    /// How many times faster than real time they drive (`IOC_SIMULATE_SPEED`, 1).
    pub simulate_speed: u32,
    /// The cluster this node belongs to (`IOC_CLUSTER`, default `ioc-map`): nodes of one cluster
    /// share the leases of the work done once per cluster (`cluster::lease`). Two clusters on one
    /// database (say, a staging copy) each run their own.
    pub cluster: String,
    /// The NATS server whose JetStream carries live events between the cluster's nodes
    /// (`IOC_NATS_URL`, e.g. `nats://127.0.0.1:4222`; unset: no bus, one node polls the log).
    pub nats_url: Option<String>,
    /// Where the product keeps its files (`IOC_FILES`: a directory, default `storage`, or
    /// `s3://bucket/prefix` with the `AWS_*` settings, which a cluster on several machines needs).
    pub files: String,
    /// Days a planner's saved export is kept (`IOC_EXPORT_RETENTION_DAYS`, default 30).
    pub export_retention_days: i32,
    /// Days the live event log is kept for resuming clients (`IOC_LIVE_RETENTION_DAYS`, default 7).
    pub live_retention_days: i32,
    /// Frames a WebSocket client may have queued before it is cut off (`IOC_WS_QUEUE`, default 1024).
    pub ws_queue: usize,
    /// Threads that write the live sockets, at a lower priority than requests (`IOC_FANOUT_THREADS`,
    /// 1: one thread writes ~100,000 frames a second; give more on a machine with cores to spare).
    pub fanout_threads: usize,
    /// Live sockets one user may hold open (`IOC_WS_PER_USER`, 16: the big screen, a few tabs, phones).
    pub ws_per_user: usize,
    /// A live resume further behind than this many events gets a reset and snapshots instead
    /// (`IOC_LIVE_RESUME_MAX`, default 10000).
    pub live_resume_max: usize,
    /// Live video: pulls, probes and WebRTC (ICE) settings.
    pub video: VideoConfig,
    /// Reverse proxies allowed to name the client through `Forwarded` / `X-Forwarded-For`
    /// (`IOC_TRUSTED_PROXIES`, comma-separated CIDRs such as `127.0.0.1/32,10.0.0.0/8`). With any set,
    /// `/metrics` is no longer open to loopback: only to admins and the scrape token.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header the trusted proxies write (`IOC_PROXY_HEADER`: `x-forwarded-for`, the default, or
    /// `forwarded`); the other is ignored, since a proxy passes it through as the client sent it.
    pub proxy_header: ProxyHeader,
    /// A secret a Prometheus scraper sends as `Authorization: Bearer …` to read `/metrics`
    /// (`IOC_METRICS_TOKEN`).
    pub metrics_token: Option<String>,
    /// A request not answered within this is answered 503 (`IOC_REQUEST_TIMEOUT_SECS`, 30).
    pub request_timeout: std::time::Duration,
    /// A database statement running longer is cancelled (`IOC_DB_STATEMENT_TIMEOUT_SECS`, 20).
    pub statement_timeout: std::time::Duration,
    /// Sign-in limits and password work (`IOC_SIGNIN_*`, `IOC_PASSWORD_WORKERS`).
    pub sign_in: SignInConfig,
}

/// Which forwarding header the trusted proxies write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProxyHeader {
    #[default]
    XForwardedFor,
    Forwarded,
}

/// How hard anyone may try to sign in. The counts live in PostgreSQL, so they hold across several
/// server processes; the worker count is per process (it bounds this process's memory and cores).
#[derive(Clone, Debug)]
pub struct SignInConfig {
    /// Password checks (argon2id, 19 MiB each) running at once in this process
    /// (`IOC_PASSWORD_WORKERS`; default the number of cores, at least 2).
    pub password_workers: usize,
    /// Sign-in attempts that may be checked per username and address within the window (5).
    pub per_user: i64,
    /// Failed or unfinished attempts per address, whatever the username, within the window
    /// (`IOC_SIGNIN_ADDRESS_MAX`, 20): made-up usernames no longer get fresh tries.
    pub per_address: i64,
    /// Password checks one address may have running or queued in this process at once (2).
    pub in_flight_per_address: usize,
    /// The window, in seconds (15 minutes).
    pub window_secs: i32,
}

impl Default for SignInConfig {
    fn default() -> Self {
        Self {
            password_workers: std::thread::available_parallelism()
                .map(std::num::NonZero::get)
                .unwrap_or(2)
                .max(2),
            per_user: 5,
            per_address: 20,
            in_flight_per_address: 2,
            window_secs: 15 * 60,
        }
    }
}

impl SignInConfig {
    fn from_env() -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            password_workers: number("IOC_PASSWORD_WORKERS", d.password_workers)?,
            per_address: number("IOC_SIGNIN_ADDRESS_MAX", d.per_address)?,
            ..d
        })
    }
}

/// Live video settings (`IOC_VIDEO_*`, `IOC_CAMERA_PROBE_SECS`, `IOC_WEBRTC_*`).
#[derive(Clone, Debug)]
pub struct VideoConfig {
    /// A camera's pull stops this long after its last viewer leaves (`IOC_VIDEO_GRACE_SECS`, 10).
    pub grace: std::time::Duration,
    /// Each camera nobody watches is probed (RTSP DESCRIBE) this often, staggered over the period
    /// (`IOC_CAMERA_PROBE_SECS`, 30; 0 turns probing off).
    pub probe_every: Option<std::time::Duration>,
    /// Local addresses the WebRTC UDP sockets bind to (`IOC_WEBRTC_BIND_IPS`, comma-separated).
    /// Default: 127.0.0.1 plus every IPv4 address of the machine's interfaces.
    pub bind_ips: Vec<std::net::IpAddr>,
    /// UDP port range for WebRTC (`IOC_WEBRTC_UDP_PORTS=50000-50100`); default: any free port.
    pub udp_ports: Option<(u16, u16)>,
    /// Public addresses announced instead of the local ones when the server is behind 1:1 NAT
    /// (`IOC_WEBRTC_NAT_IPS`, comma-separated).
    pub nat_ips: Vec<String>,
    /// STUN/TURN server URLs (`IOC_WEBRTC_ICE_SERVERS`, comma-separated, e.g. `stun:stun.example:3478`),
    /// with `IOC_WEBRTC_TURN_USERNAME` / `IOC_WEBRTC_TURN_PASSWORD` for TURN.
    pub ice_servers: Vec<String>,
    pub turn_username: Option<String>,
    pub turn_password: Option<String>,
    /// Open video sessions one user may hold (`IOC_VIDEO_SESSIONS_PER_USER`, 32: a 4×4 wall plus
    /// panels); each costs sockets and a UDP port.
    pub sessions_per_user: usize,
    /// Open video sessions of all users together (`IOC_VIDEO_SESSIONS_MAX`, 256).
    pub sessions_max: usize,
    /// This server process's name in the viewing audit (`IOC_SERVER_ID`; default host name and
    /// listening port): a restarted process closes the rows its predecessor left open.
    pub server_id: String,
    /// The cluster whose lease the camera probe runs under (`Config::cluster`).
    pub cluster: String,
}

impl Default for VideoConfig {
    fn default() -> Self {
        Self {
            grace: std::time::Duration::from_secs(10),
            probe_every: Some(std::time::Duration::from_secs(30)),
            bind_ips: vec![std::net::Ipv4Addr::LOCALHOST.into()],
            udp_ports: None,
            nat_ips: Vec::new(),
            ice_servers: Vec::new(),
            turn_username: None,
            turn_password: None,
            sessions_per_user: 32,
            sessions_max: 256,
            server_id: "local".into(),
            cluster: "ioc-map".into(),
        }
    }
}

impl VideoConfig {
    fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let list = |name: &str| -> Vec<String> {
            var(name)
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let bad = |name: &'static str, value: String, reason: &str| ConfigError {
            name,
            value,
            reason: reason.into(),
        };
        let probe: u64 = match var("IOC_CAMERA_PROBE_SECS") {
            None => 30,
            Some(v) => v.trim().parse().map_err(|_| {
                bad(
                    "IOC_CAMERA_PROBE_SECS",
                    v,
                    "use a whole number of seconds (0: off)",
                )
            })?,
        };
        let bind_ips = match var("IOC_WEBRTC_BIND_IPS") {
            None => local_ipv4_addresses(),
            Some(v) => v
                .split(',')
                .map(|s| s.trim().parse())
                .collect::<Result<_, _>>()
                .map_err(|_| bad("IOC_WEBRTC_BIND_IPS", v, "use comma-separated IP addresses"))?,
        };
        let udp_ports = match var("IOC_WEBRTC_UDP_PORTS") {
            None => None,
            Some(v) => Some(
                v.split_once('-')
                    .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
                    .filter(|(a, b): &(u16, u16)| a <= b && *a > 0)
                    .ok_or_else(|| {
                        bad("IOC_WEBRTC_UDP_PORTS", v, "use a range such as 50000-50100")
                    })?,
            ),
        };
        Ok(Self {
            grace: std::time::Duration::from_secs(number("IOC_VIDEO_GRACE_SECS", 10)?),
            probe_every: (probe > 0).then(|| std::time::Duration::from_secs(probe)),
            bind_ips,
            udp_ports,
            nat_ips: list("IOC_WEBRTC_NAT_IPS"),
            ice_servers: list("IOC_WEBRTC_ICE_SERVERS"),
            turn_username: var("IOC_WEBRTC_TURN_USERNAME"),
            turn_password: var("IOC_WEBRTC_TURN_PASSWORD"),
            sessions_per_user: number("IOC_VIDEO_SESSIONS_PER_USER", 32)?,
            sessions_max: number("IOC_VIDEO_SESSIONS_MAX", 256)?,
            // set by Config::from_env, which knows the port and the cluster
            server_id: String::new(),
            cluster: String::new(),
        })
    }
}

/// 127.0.0.1 and the IPv4 addresses of the machine's interfaces (WebRTC binds each explicitly: a
/// socket on 0.0.0.0 would not offer loopback candidates).
fn local_ipv4_addresses() -> Vec<std::net::IpAddr> {
    let mut ips: Vec<std::net::IpAddr> = vec![std::net::Ipv4Addr::LOCALHOST.into()];
    // no interface list (a sandbox without netlink): loopback alone still serves this machine
    for interface in if_addrs::get_if_addrs().unwrap_or_default() {
        let ip = interface.ip();
        if ip.is_ipv4() && !ip.is_loopback() && !ips.contains(&ip) {
            ips.push(ip);
        }
    }
    ips
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
        let listen_addr: SocketAddr =
            listen
                .parse()
                .map_err(|e: std::net::AddrParseError| ConfigError {
                    name: listen_name,
                    value: listen.clone(),
                    reason: e.to_string(),
                })?;
        let mut video = VideoConfig::from_env()?;
        video.server_id = var("IOC_SERVER_ID")
            .unwrap_or_else(|| format!("{}:{}", host_name(), listen_addr.port()));
        let cluster = var("IOC_CLUSTER").unwrap_or_else(|| "ioc-map".to_string());
        video.cluster = cluster.clone();
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
            simulate_speed: number("IOC_SIMULATE_SPEED", 1)?,
            cluster,
            nats_url: var("IOC_NATS_URL"),
            files: var("IOC_FILES").unwrap_or_else(|| "storage".to_string()),
            export_retention_days: number("IOC_EXPORT_RETENTION_DAYS", 30)?,
            live_retention_days: number("IOC_LIVE_RETENTION_DAYS", 7)?,
            ws_queue: number("IOC_WS_QUEUE", 1024)?,
            fanout_threads: number("IOC_FANOUT_THREADS", 1)?,
            ws_per_user: number("IOC_WS_PER_USER", 16)?,
            live_resume_max: number("IOC_LIVE_RESUME_MAX", 10_000)?,
            video,
            sign_in: SignInConfig::from_env()?,
            trusted_proxies: match var("IOC_TRUSTED_PROXIES") {
                None => Vec::new(),
                Some(v) => v
                    .split(',')
                    .map(|s| {
                        let s = s.trim();
                        // a bare address is a /32 (or /128)
                        s.parse::<ipnet::IpNet>()
                            .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    })
                    .collect::<Result<_, _>>()
                    .map_err(|_| ConfigError {
                        name: "IOC_TRUSTED_PROXIES",
                        value: v.clone(),
                        reason: "use comma-separated CIDRs such as 127.0.0.1/32,10.0.0.0/8".into(),
                    })?,
            },
            proxy_header: match var("IOC_PROXY_HEADER").map(|v| v.to_ascii_lowercase()) {
                None => ProxyHeader::XForwardedFor,
                Some(v) if v == "x-forwarded-for" => ProxyHeader::XForwardedFor,
                Some(v) if v == "forwarded" => ProxyHeader::Forwarded,
                Some(v) => {
                    return Err(ConfigError {
                        name: "IOC_PROXY_HEADER",
                        value: v,
                        reason: "use x-forwarded-for or forwarded".into(),
                    })
                }
            },
            metrics_token: var("IOC_METRICS_TOKEN"),
            request_timeout: std::time::Duration::from_secs(number(
                "IOC_REQUEST_TIMEOUT_SECS",
                30,
            )?),
            statement_timeout: std::time::Duration::from_secs(number(
                "IOC_DB_STATEMENT_TIMEOUT_SECS",
                20,
            )?),
        })
    }
}

/// The machine's host name ("localhost" when it has none).
fn host_name() -> String {
    match gethostname::gethostname().into_string() {
        Ok(name) if !name.is_empty() => name,
        _ => "localhost".to_string(),
    }
}

/// A yes/no environment variable: 1/true/yes or 0/false/no (absent: no).
fn flag(name: &'static str) -> Result<bool, ConfigError> {
    match std::env::var(name).ok().as_deref().map(str::trim) {
        None | Some("" | "0" | "false" | "no") => Ok(false),
        Some("1" | "true" | "yes") => Ok(true),
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
