//! What the benchmark programs share: starting the release server on a fresh database, pinning
//! processes to cores, signing in, one HTTP/1.1 exchange, and reading a process's CPU and memory.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

pub fn pin_to(core: usize, pid: u32) {
    let _ = std::process::Command::new("taskset")
        .args(["-cp", &core.to_string(), &pid.to_string()])
        .output();
}

/// Thousands of sockets need more than the default 1,024 open files.
#[allow(unsafe_code)] // setrlimit has no safe wrapper in std
pub fn raise_open_files() {
    let limit = libc::rlimit {
        rlim_cur: 20_000,
        rlim_max: 20_000,
    };
    // SAFETY: setrlimit only reads the struct we pass.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
}

/// User + system CPU time of a process, in clock ticks (1/100 s).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

/// CPU ticks of every process named `comm` (e.g. `postgres`, `nats-server`), for the load of the
/// services that float between cores.
pub fn cpu_ticks_of(comm: &str) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == comm)
        })
        .map(cpu_ticks)
        .sum()
}

fn status_mb(pid: u32, field: &str) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

pub fn peak_rss_mb(pid: u32) -> f64 {
    status_mb(pid, "VmHWM:")
}

pub fn rss_mb(pid: u32) -> f64 {
    status_mb(pid, "VmRSS:")
}

/// The p-quantile (0..1) of sorted values.
pub fn pct<T: Copy + Into<f64>>(sorted: &[T], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].into()
}

/// The server started for a benchmark; killed when dropped, even if the benchmark panics.
pub struct Running(pub std::process::Child);

impl Running {
    pub fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Recreates `db` and starts the server next to this program (build it with `--release`) on `port`,
/// pinned to core 0, with `env` added; waits until it answers.
pub async fn start_server(db: &str, port: u16, env: &[(&str, String)], log: &str) -> Running {
    let admin = "postgres://postgres@127.0.0.1:5432/postgres";
    let status = std::process::Command::new("psql")
        .args([
            admin,
            "-qc",
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        ])
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "psql must reach PostgreSQL on 127.0.0.1:5432"
    );
    start_node(db, port, env, log).await
}

/// Another node on the database [`start_server`] made (pinned to core 0 as well), once it listens.
pub async fn start_node(db: &str, port: u16, env: &[(&str, String)], log: &str) -> Running {
    let exe = std::env::current_exe()
        .expect("exe")
        .with_file_name("server");
    let mut cmd = std::process::Command::new("taskset");
    cmd.arg("-c")
        .arg("0")
        .arg(&exe)
        .env(
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:5432/{db}"),
        )
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("IOC_SIMULATE_VEHICLES", "0")
        .env("IOC_FILES", "target/bench-files")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(
            std::fs::File::create(log)
                .map_or(std::process::Stdio::null(), std::process::Stdio::from),
        );
    for (k, v) in env {
        cmd.env(k, v);
    }
    let server = cmd.spawn().unwrap_or_else(|e| {
        panic!(
            "start {} (cargo build --release -p server first): {e}",
            exe.display()
        )
    });
    let server = Running(server);
    for _ in 0..600 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server
}

/// One HTTP/1.1 exchange on a new connection: status, headers (lower-case names) and body.
pub async fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<(u16, Vec<(String, String)>, String)> {
    http_from(None, port, method, path, headers, body).await
}

/// [`http`] from a chosen loopback source address (127.0.0.0/8 is all loopback), so one program can
/// be many clients to the server's per-address limits.
pub async fn http_from(
    source: Option<std::net::Ipv4Addr>,
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<(u16, Vec<(String, String)>, String)> {
    let mut conn = match source {
        None => TcpStream::connect(("127.0.0.1", port)).await.ok()?,
        Some(ip) => {
            let socket = tokio::net::TcpSocket::new_v4().ok()?;
            socket.bind((ip, 0).into()).ok()?;
            socket
                .connect((std::net::Ipv4Addr::LOCALHOST, port).into())
                .await
                .ok()?
        }
    };
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    conn.write_all(req.as_bytes()).await.ok()?;
    let mut out = Vec::new();
    conn.read_to_end(&mut out).await.ok()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some((status, headers, rest.to_string()))
}

/// Creates operator `name` (if absent) with the admin's cookie, signs it in; its `Cookie` value.
pub async fn operator(port: u16, admin_cookie: &str, name: &str) -> String {
    let password = "bench-operator-password";
    let body =
        serde_json::json!({"username": name, "password": password, "role": "operator"}).to_string();
    let _ = http(
        port,
        "POST",
        "/api/users",
        &[
            ("Content-Type", "application/json"),
            ("Cookie", admin_cookie),
        ],
        &body,
    )
    .await;
    sign_in_as(port, name, password).await
}

/// Signs in as admin and returns the `Cookie` value.
pub async fn sign_in(port: u16, password: &str) -> String {
    sign_in_as(port, "admin", password).await
}

/// One `POST /api/session` from `source` (see [`http_from`]): status, headers and body.
pub async fn sign_in_attempt(
    source: Option<std::net::Ipv4Addr>,
    port: u16,
    username: &str,
    password: &str,
) -> Option<(u16, Vec<(String, String)>, String)> {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    http_from(
        source,
        port,
        "POST",
        "/api/session",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await
}

/// Signs in as `username` and returns the `Cookie` value.
pub async fn sign_in_as(port: u16, username: &str, password: &str) -> String {
    let (status, headers, text) = sign_in_attempt(None, port, username, password)
        .await
        .expect("server answers");
    assert_eq!(status, 200, "sign-in as {username}: {text}");
    headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .and_then(|(_, v)| v.split(';').next())
        .expect("session cookie")
        .to_string()
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A live socket to the server on `port`, signed in with `cookie`.
pub async fn ws_connect(port: u16, cookie: &str) -> Option<Ws> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://127.0.0.1:{port}/ws")
        .into_client_request()
        .ok()?;
    req.headers_mut().insert("cookie", cookie.parse().ok()?);
    // a small read buffer: the default 128 KiB per socket is 1.3 GB for 10,000 clients, and the
    // generator's reads then miss the cache (a live frame is under 2 KiB; larger ones still grow it)
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(8 * 1024);
    tokio_tungstenite::connect_async_with_config(req, Some(config), false)
        .await
        .ok()
        .map(|(ws, _)| ws)
}
