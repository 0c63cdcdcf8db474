//! Soak program (not a test; about 30 minutes): does the server stay flat under a long, ordinary load?
//!
//!     cargo build --release -p server -p loadgen && target/release/soak        # 30 minutes
//!     target/release/soak 5                                                # 5 minutes
//!
//! Starts the release server on its own database (`ioc_map_soak`, recreated) pinned to core 0 with
//! the patrol-vehicle simulator at 10× speed, then 200 WebSocket clients pan at random (a new
//! viewport every 1–5 s, over both live layers), and one in ten reconnects with `since` every
//! minute. Once a minute it prints the server's RSS, open files and threads, the event log's rows
//! and size in PostgreSQL, and the frames the clients received; at the end, each figure's change
//! since minute 3 (after start-up has settled). Everything talks to 127.0.0.1 only.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use loadgen::bench::{pin_to, raise_open_files, rss_mb, sign_in, start_server};

const PORT: u16 = 3397;
const DB: &str = "ioc_map_soak";
const PASSWORD: &str = "soak-admin-password";
const CLIENTS: u64 = 200;
const BOUNDS: [f64; 4] = [106.6812, 10.7535, 106.7150, 10.7971];

struct Totals {
    frames: AtomicU64,
    reconnects: AtomicU64,
    closed_by_server: AtomicU64,
    stop: AtomicBool,
}

/// A small xorshift: each client pans its own way, repeatably.
fn next(seed: &mut u64) -> f64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed % 10_000) as f64 / 10_000.0
}

fn viewport(seed: &mut u64) -> [f64; 4] {
    // from street level (1/8 of the district) to all of it
    let scale = 0.125 + next(seed) * 0.875;
    let (w, h) = (
        (BOUNDS[2] - BOUNDS[0]) * scale,
        (BOUNDS[3] - BOUNDS[1]) * scale,
    );
    let x = BOUNDS[0] + next(seed) * (BOUNDS[2] - BOUNDS[0] - w);
    let y = BOUNDS[1] + next(seed) * (BOUNDS[3] - BOUNDS[1] - h);
    [x, y, x + w, y + h]
}

/// One operator's screen: pans at random for as long as the soak runs; every `reconnect_every`
/// drops its socket and resumes with the last seq it saw.
async fn client(
    cookie: String,
    totals: Arc<Totals>,
    mut seed: u64,
    reconnect_every: Option<Duration>,
) {
    let mut since: Option<i64> = None;
    let last_seq = AtomicI64::new(0);
    while !totals.stop.load(Ordering::Relaxed) {
        let Some(ws) = loadgen::bench::ws_connect(PORT, &cookie).await else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let (mut tx, mut rx) = ws.split();
        let opened = Instant::now();
        let mut first = true;
        let mut pan_at = Instant::now();
        loop {
            if totals.stop.load(Ordering::Relaxed)
                || reconnect_every.is_some_and(|every| opened.elapsed() >= every)
            {
                let _ = tx.send(Message::Close(None)).await;
                totals.reconnects.fetch_add(1, Ordering::Relaxed);
                break;
            }
            if Instant::now() >= pan_at {
                let mut sub = json!({"type": "subscribe", "bbox": viewport(&mut seed),
                                     "layers": ["incidents", "cameras"]});
                if first {
                    if let Some(s) = since {
                        sub["since"] = json!(s);
                    }
                    first = false;
                }
                if tx
                    .send(Message::Text(sub.to_string().into()))
                    .await
                    .is_err()
                {
                    break;
                }
                pan_at = Instant::now()
                    + Duration::from_millis(1000 + (next(&mut seed) * 4000.0) as u64);
            }
            match tokio::time::timeout(Duration::from_millis(250), rx.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => {
                    totals.frames.fetch_add(1, Ordering::Relaxed);
                    if let Some(i) = t.find("\"seq\":") {
                        let digits: String = t[i + 6..]
                            .chars()
                            .take_while(char::is_ascii_digit)
                            .collect();
                        if let Ok(s) = digits.parse::<i64>() {
                            last_seq.fetch_max(s, Ordering::Relaxed);
                        }
                    }
                }
                Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => {
                    totals.closed_by_server.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                _ => {}
            }
        }
        since = Some(last_seq.load(Ordering::Relaxed)).filter(|s| *s > 0);
    }
}

fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, std::iter::Iterator::count)
}

fn threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, std::iter::Iterator::count)
}

/// Rows and bytes of the event log.
fn event_log() -> (i64, i64) {
    let out = std::process::Command::new("psql")
        .args([
            &format!("postgres://postgres@127.0.0.1:5432/{DB}"),
            "-tAc",
            "SELECT count(*) || ' ' || pg_total_relation_size('live_events') FROM live_events",
        ])
        .output();
    let text = out
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let mut it = text.split_whitespace().map(|v| v.parse().unwrap_or(-1));
    (it.next().unwrap_or(-1), it.next().unwrap_or(-1))
}

#[derive(Clone, Copy)]
struct Sample {
    minute: u64,
    rss: f64,
    files: usize,
    threads: usize,
    rows: i64,
    bytes: i64,
}

#[tokio::main]
async fn main() {
    let minutes: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    raise_open_files();
    let server = start_server(
        DB,
        PORT,
        &[
            ("IOC_ADMIN_PASSWORD", PASSWORD.into()),
            ("IOC_SIMULATE_VEHICLES", "1".into()),
            ("IOC_SIMULATE_SPEED", "10".into()),
            ("IOC_CAMERA_PROBE_SECS", "0".into()),
        ],
        "/tmp/soak-server.log",
    )
    .await;
    pin_to(1, std::process::id());
    let pid = server.id();
    let cookie = sign_in(PORT, PASSWORD).await;
    let totals = Arc::new(Totals {
        frames: AtomicU64::new(0),
        reconnects: AtomicU64::new(0),
        closed_by_server: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    let mut tasks = Vec::new();
    // ten screens per operator account, as real users (a user's sockets share limits)
    let mut operators = Vec::new();
    for u in 0..CLIENTS / 10 {
        operators.push(loadgen::bench::operator(PORT, &cookie, &format!("soak-op-{u:03}")).await);
    }
    for i in 0..CLIENTS {
        let reconnect = (i % 10 == 0).then_some(Duration::from_secs(60));
        tasks.push(tokio::spawn(client(
            operators[(i / 10) as usize].clone(),
            totals.clone(),
            0x9E37_79B9_7F4A_7C15 ^ (i + 1),
            reconnect,
        )));
    }
    println!("soak: {CLIENTS} clients panning, vehicles at 10x, {minutes} min; server pid {pid}");
    println!("minute  rss_MiB  open_files  threads  log_rows  log_MiB  frames/s  reconnects  server_closes");
    let started = Instant::now();
    let mut samples: Vec<Sample> = Vec::new();
    let mut last_frames = 0;
    for minute in 1..=minutes {
        tokio::time::sleep_until((started + Duration::from_secs(60 * minute)).into()).await;
        let frames = totals.frames.load(Ordering::Relaxed);
        let (rows, bytes) = event_log();
        let s = Sample {
            minute,
            rss: rss_mb(pid),
            files: open_files(pid),
            threads: threads(pid),
            rows,
            bytes,
        };
        println!(
            "{:>6}  {:>7.0}  {:>10}  {:>7}  {:>8}  {:>7.1}  {:>8.0}  {:>10}  {:>13}",
            minute,
            s.rss,
            s.files,
            s.threads,
            s.rows,
            s.bytes as f64 / 1048576.0,
            (frames - last_frames) as f64 / 60.0,
            totals.reconnects.load(Ordering::Relaxed),
            totals.closed_by_server.load(Ordering::Relaxed),
        );
        last_frames = frames;
        samples.push(s);
    }
    totals.stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
    }
    let base = samples
        .iter()
        .find(|s| s.minute == 3)
        .or(samples.first())
        .copied();
    if let (Some(b), Some(e)) = (base, samples.last().copied()) {
        println!(
            "from minute {} to {}: RSS {:.0} -> {:.0} MiB ({:+.1} %), open files {} -> {}, threads {} -> {}, log rows {} -> {}, log {:.1} -> {:.1} MiB",
            b.minute,
            e.minute,
            b.rss,
            e.rss,
            (e.rss / b.rss - 1.0) * 100.0,
            b.files,
            e.files,
            b.threads,
            e.threads,
            b.rows,
            e.rows,
            b.bytes as f64 / 1048576.0,
            e.bytes as f64 / 1048576.0,
        );
    }
}
