//! Load generator for the live fan-out (a program, not a test).
//!
//!     cargo build --release -p server -p loadgen
//!     target/release/ws-bench                 # the full sweep
//!     target/release/ws-bench 1000 100        # one point: clients, events/s
//!     target/release/ws-bench 1000 100 20     # the same, 20 sockets flooding subscribes
//!     target/release/ws-bench 10000 100 0 2   # two nodes on core 0 sharing NATS (127.0.0.1:4222)
//!
//! Starts the release server (`target/release/server`) on its own database (`ioc_map_wsbench`,
//! recreated) pinned to core 0, pins itself to core 1, opens N WebSocket clients (ramped up; ten per
//! operator account, as real screens: a user's sockets share limits), each
//! watching a random window of 1/16 of the district, drives M incident changes per second through the
//! real HTTP API (lifecycle transitions of 256 live incidents: commit, then broadcast), and prints per point: events/s, deliveries/s, p50/p95/p99
//! latency from the incident's commit to the client's receipt, server CPU and peak RSS.
//! Everything talks to 127.0.0.1 only.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use loadgen::bench::{cpu_ticks, cpu_ticks_of, now_us, peak_rss_mb, pin_to, raise_open_files};

const PORT: u16 = 3399;
/// The second node's port, with two nodes.
const PORT_B: u16 = 3400;
const DB: &str = "ioc_map_wsbench";
const PASSWORD: &str = "wsbench-admin-password";
const BOUNDS: [f64; 4] = [106.6812, 10.7535, 106.7150, 10.7971];
const MEASURE: Duration = Duration::from_secs(15);

/// Parses the `updated_at` of an incident frame ("2026-11-27T08:05:00.123456+00:00") to µs since epoch.
fn committed_us(frame: &str) -> Option<i64> {
    let i = frame.find("\"updated_at\":\"")? + 14;
    let t = &frame[i..i + 32.min(frame.len() - i)];
    let t = t.split('"').next()?;
    chrono::DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|d| d.timestamp_micros())
}

/// One HTTP/1.1 exchange on a kept-alive connection; the status and body.
async fn http(
    conn: &mut TcpStream,
    method: &str,
    path: &str,
    cookie: &str,
    body: &str,
) -> Option<(u16, String)> {
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nContent-Type: application/json\r\nCookie: {cookie}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(req.as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let head = &text[..end];
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let status = head.split(' ').nth(1)?.parse().ok()?;
                return Some((status, text[end + 4..end + 4 + len].to_string()));
            }
        }
    }
}

/// A hostile client: subscribes as fast as it can send, alternating the whole district and a
/// street (each applied one moves every camera in or out of its view), and discards the answers.
async fn flood_subscribes(cookie: String, k: u32) {
    loop {
        let Some(ws) = loadgen::bench::ws_connect(PORT, &cookie).await else {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        let (mut tx, mut rx) = ws.split();
        let reader = tokio::spawn(async move { while let Some(Ok(_)) = rx.next().await {} });
        let street = [106.700, 10.776, 106.701, 10.777];
        let mut i = u64::from(k);
        loop {
            let bbox = if i % 2 == 0 { BOUNDS } else { street };
            i += 1;
            let sub =
                json!({"type": "subscribe", "bbox": bbox, "layers": ["incidents", "cameras"]});
            if tx
                .send(Message::Text(sub.to_string().into()))
                .await
                .is_err()
            {
                break;
            }
            if i % 64 == 0 {
                tokio::task::yield_now().await;
            }
        }
        reader.abort();
    }
}

struct Stats {
    latencies_us: Mutex<Vec<u32>>,
    /// With two nodes: the latencies of events that entered through the other node than the
    /// client's.
    cross_us: Mutex<Vec<u32>>,
    /// Which node each incident's changes enter through (by incident id); empty with one node.
    entry_node: std::collections::HashMap<String, usize>,
    deliveries: AtomicU64,
    recording: std::sync::atomic::AtomicBool,
}

/// The feature id of an event frame (`"feature":{"type":"Feature","id":"…"`).
fn feature_id(frame: &str) -> Option<&str> {
    let i = frame.find("\"feature\":")?;
    let rest = &frame[i..];
    let j = rest.find("\"id\":\"")? + 6;
    rest[j..].split('"').next()
}

async fn client(cookie: String, stats: Arc<Stats>, seed: u64, node: usize) {
    let port = if node == 0 { PORT } else { PORT_B };
    let mut cross = Vec::new();
    let Some(mut ws) = loadgen::bench::ws_connect(port, &cookie).await else {
        return;
    };
    // a random street-level window: 1/4 of the width and of the height
    let (w, h) = ((BOUNDS[2] - BOUNDS[0]) / 4.0, (BOUNDS[3] - BOUNDS[1]) / 4.0);
    let fx = (seed.wrapping_mul(2654435761) % 1000) as f64 / 1000.0;
    let fy = (seed.wrapping_mul(40503) % 1000) as f64 / 1000.0;
    let x = BOUNDS[0] + fx * (BOUNDS[2] - BOUNDS[0] - w);
    let y = BOUNDS[1] + fy * (BOUNDS[3] - BOUNDS[1] - h);
    let sub = json!({"type": "subscribe", "bbox": [x, y, x + w, y + h], "layers": ["incidents"]});
    if ws
        .send(Message::Text(sub.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut local = Vec::new();
    while let Some(Ok(msg)) = ws.next().await {
        if let Message::Text(t) = msg {
            if t.starts_with("{\"type\":\"event\"") {
                if stats.recording.load(Ordering::Relaxed) {
                    stats.deliveries.fetch_add(1, Ordering::Relaxed);
                    if let Some(c) = committed_us(&t) {
                        let us = (now_us() - c).max(0) as u32;
                        local.push(us);
                        // one node: nothing enters elsewhere, and this client reads no id
                        if !stats.entry_node.is_empty() {
                            let entered = feature_id(&t).and_then(|id| stats.entry_node.get(id));
                            if entered.is_some_and(|n| *n != node) {
                                cross.push(us);
                            }
                        }
                    }
                    if local.len() >= 256 {
                        flush_latencies(&stats, &mut local, &mut cross);
                    }
                } else if !local.is_empty() {
                    flush_latencies(&stats, &mut local, &mut cross);
                }
            }
        }
    }
}

/// A shared list of latencies (µs), locked.
fn list(m: &Mutex<Vec<u32>>) -> std::sync::MutexGuard<'_, Vec<u32>> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Empties a shared list of latencies; what it held, sorted.
fn take_sorted(m: &Mutex<Vec<u32>>) -> Vec<u32> {
    let mut v = std::mem::take(&mut *list(m));
    v.sort_unstable();
    v
}

/// Moves a client's latencies into the shared lists.
fn flush_latencies(stats: &Stats, local: &mut Vec<u32>, cross: &mut Vec<u32>) {
    for (shared, from) in [(&stats.latencies_us, local), (&stats.cross_us, cross)] {
        list(shared).append(from);
    }
}

/// Round-trip times of the change requests (µs), to tell the API's own time from the fan-out's.
static REQUEST_US: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Incidents the changes cycle through: a realistic live layer holds hundreds, not thousands.
const LIVE_INCIDENTS: usize = 256;

/// Clients per operator account: under the server's 16 sockets per user.
const CLIENTS_PER_USER: usize = 10;

/// Operator number `i` (created on first use), signed in; its cookie.
async fn operator(admin_cookie: &str, i: usize) -> String {
    loadgen::bench::operator(PORT, admin_cookie, &format!("bench-op-{i:04}")).await
}

/// Creates the incidents the benchmark changes, spread over the district, and acknowledges them.
async fn create_incidents(cookie: &str, points: &[[f64; 2]]) -> Vec<String> {
    let mut conn = TcpStream::connect(("127.0.0.1", PORT))
        .await
        .expect("server");
    let mut ids = Vec::new();
    for i in 0..LIVE_INCIDENTS {
        let p = points[(i * 7919) % points.len()];
        let body = json!({"kind": "congestion", "severity": 1, "description": "ws-bench",
                          "geometry": {"type": "Point", "coordinates": p}})
        .to_string();
        if let Some((201, answer)) = http(&mut conn, "POST", "/api/incidents", cookie, &body).await
        {
            let v: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
            if let Some(id) = v["id"].as_str() {
                let ack = json!({"to": "acknowledged"}).to_string();
                let _ = http(
                    &mut conn,
                    "POST",
                    &format!("/api/incidents/{id}/transitions"),
                    cookie,
                    &ack,
                )
                .await;
                ids.push(id.to_string());
            }
        }
    }
    ids
}

/// Drives `rate` incident changes per second for `dur` through the HTTP API: each incident cycles
/// acknowledged → dispatched → resolved → reopened (acknowledged) → …
async fn drive(cookie: &str, ids: &[String], rate: u32, dur: Duration, nodes: usize) -> u64 {
    let conns = CHANGE_CONNECTIONS;
    let sent = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for k in 0..conns {
        let cookie = cookie.to_string();
        let mine: Vec<String> = ids.iter().skip(k).step_by(conns).cloned().collect();
        let sent = sent.clone();
        let port = if entry_node(k, nodes) == 0 {
            PORT
        } else {
            PORT_B
        };
        tasks.push(tokio::spawn(async move {
            let Ok(mut conn) = TcpStream::connect(("127.0.0.1", port)).await else {
                return;
            };
            let per = f64::from(rate) / conns as f64;
            let started = Instant::now();
            let mut step = vec![0usize; mine.len()];
            let mut i = 0usize;
            while started.elapsed() < dur && !mine.is_empty() {
                // the connections take turns (offset by k), so the changes come evenly, not in bursts
                let due = started
                    + Duration::from_secs_f64(
                        (i as f64 + k as f64 / conns as f64) / per.max(0.001),
                    );
                if due > Instant::now() {
                    tokio::time::sleep_until(due.into()).await;
                }
                let j = i % mine.len();
                let body = match step[j] % 3 {
                    0 => json!({"to": "dispatched", "unit": "fire-q1"}),
                    1 => json!({"to": "resolved"}),
                    _ => json!({"to": "reopened"}),
                }
                .to_string();
                let t = Instant::now();
                let answer = http(
                    &mut conn,
                    "POST",
                    &format!("/api/incidents/{}/transitions", mine[j]),
                    &cookie,
                    &body,
                )
                .await;
                list(&REQUEST_US).push(t.elapsed().as_micros() as u32);
                match answer {
                    Some((200, _)) => {
                        sent.fetch_add(1, Ordering::Relaxed);
                        step[j] += 1;
                    }
                    Some(_) => step[j] += 1,
                    None => {
                        if let Ok(c) = TcpStream::connect(("127.0.0.1", port)).await {
                            conn = c;
                        }
                    }
                }
                i += 1;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    sent.load(Ordering::Relaxed)
}

/// The node change connection `k` sends through (and so its incidents' changes enter through).
fn entry_node(k: usize, nodes: usize) -> usize {
    k % nodes.max(1)
}

/// Change connections of [`drive`].
const CHANGE_CONNECTIONS: usize = 32;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    raise_open_files();
    pin_to(1, std::process::id());
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    // a third number: that many sockets flood the server with subscribes meanwhile
    let flooders = args.get(2).copied().unwrap_or(0);
    // a fourth: that many nodes (1 or 2), sharing core 0, PostgreSQL and NATS
    let nodes = args.get(3).copied().unwrap_or(1).clamp(1, 2) as usize;
    let points_to_run: Vec<(u32, u32)> = match args[..] {
        [n, m] | [n, m, _] | [n, m, _, _] => vec![(n, m)],
        _ => vec![
            (1000, 100),
            (1000, 500),
            (5000, 100),
            (5000, 500),
            (10000, 100),
            (10000, 500),
        ],
    };
    let mut env = vec![
        ("IOC_ADMIN_PASSWORD", PASSWORD.to_string()),
        ("IOC_WS_QUEUE", "4096".into()),
        ("IOC_CAMERA_PROBE_SECS", "0".into()),
        ("IOC_CLUSTER", "ws-bench".into()),
    ];
    if nodes == 2 {
        env.push(("IOC_NATS_URL", "nats://127.0.0.1:4222".into()));
    }
    let server = loadgen::bench::start_server(DB, PORT, &env, "target/ws-bench-server.log").await;
    // the second node starts on the migrated database
    let second = if nodes == 2 {
        env.push(("IOC_SERVER_ID", "ws-bench-b".into()));
        Some(loadgen::bench::start_node(DB, PORT_B, &env, "target/ws-bench-server-b.log").await)
    } else {
        None
    };
    // taskset execs the server: the same pid
    let pid = server.id();
    let pids: Vec<u32> = std::iter::once(pid)
        .chain(second.as_ref().map(loadgen::bench::Running::id))
        .collect();
    let cpu_of_nodes = || pids.iter().map(|p| cpu_ticks(*p)).sum::<u64>();
    let rss_of_nodes = || pids.iter().map(|p| peak_rss_mb(*p)).sum::<f64>();
    let cookie = loadgen::bench::sign_in(PORT, PASSWORD).await;
    // incident positions: the cameras' (all inside the district)
    let mut conn = TcpStream::connect(("127.0.0.1", PORT))
        .await
        .expect("server");
    let (_, body) = http(
        &mut conn,
        "GET",
        "/ogc/collections/cameras/items?limit=10000",
        &cookie,
        "",
    )
    .await
    .expect("cameras");
    let cams: serde_json::Value = serde_json::from_str(&body).expect("json");
    let points: Vec<[f64; 2]> = cams["features"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| {
                    Some([
                        f["geometry"]["coordinates"][0].as_f64()?,
                        f["geometry"]["coordinates"][1].as_f64()?,
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    let ids = create_incidents(&cookie, &points).await;
    let entry: std::collections::HashMap<String, usize> = ids
        .iter()
        .enumerate()
        .filter(|_| nodes > 1)
        .map(|(i, id)| (id.clone(), entry_node(i % CHANGE_CONNECTIONS, nodes)))
        .collect();
    println!(
        "{nodes} node(s) {pids:?} on core 0; load generator (clients, and the change requests on a thread of their own) on core 1; PostgreSQL floating; {} s per point",
        MEASURE.as_secs()
    );
    println!(
        "{:>7} {:>6} {:>9} {:>13} {:>8} {:>8} {:>8} {:>9} {:>9} {:>8} {:>8}",
        "clients",
        "ev/s",
        "events/s",
        "deliveries/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "srv CPU",
        "peak RSS",
        "gen CPU",
        "PG CPU"
    );
    let stats = Arc::new(Stats {
        latencies_us: Mutex::new(Vec::new()),
        cross_us: Mutex::new(Vec::new()),
        entry_node: entry,
        deliveries: AtomicU64::new(0),
        recording: false.into(),
    });
    for k in 0..flooders {
        tokio::spawn(flood_subscribes(cookie.clone(), k));
    }
    if flooders > 0 {
        println!("{flooders} sockets flood subscribes (whole district and back, both layers, as fast as they can send)");
    }
    let mut connected = 0u32;
    // ten clients per operator, as screens of real users (each user's sockets share a budget)
    let mut operators: Vec<String> = Vec::new();
    for (n, m) in points_to_run {
        // ramp up to n clients, 100 at a time
        while connected < n {
            let batch = (n - connected).min(100);
            for k in 0..batch {
                let who = (connected + k) as usize / CLIENTS_PER_USER;
                while operators.len() <= who {
                    operators.push(operator(&cookie, operators.len()).await);
                }
                tokio::spawn(client(
                    operators[who].clone(),
                    stats.clone(),
                    u64::from(connected + k),
                    (connected + k) as usize % nodes,
                ));
            }
            connected += batch;
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        list(&stats.latencies_us).clear();
        stats.deliveries.store(0, Ordering::Relaxed);
        stats.recording.store(true, Ordering::Relaxed);
        list(&stats.cross_us).clear();
        let cpu0 = cpu_of_nodes();
        let (gen0, pg0) = (cpu_ticks(std::process::id()), cpu_ticks_of("postgres"));
        let t0 = Instant::now();
        // the change requests run on a thread of their own: their round trip is the server's,
        // not the time this process takes to get round 10,000 clients' frames
        let driver = {
            let (cookie, ids) = (cookie.clone(), ids.clone());
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map(|rt| rt.block_on(drive(&cookie, &ids, m, MEASURE, nodes)))
                    .unwrap_or(0)
            })
        };
        let sent = tokio::task::spawn_blocking(move || driver.join().unwrap_or(0))
            .await
            .unwrap_or(0);
        let wall = t0.elapsed().as_secs_f64();
        let gen_cpu = (cpu_ticks(std::process::id()) - gen0) as f64 / wall;
        let pg_cpu = (cpu_ticks_of("postgres").saturating_sub(pg0)) as f64 / wall;
        tokio::time::sleep(Duration::from_millis(500)).await;
        stats.recording.store(false, Ordering::Relaxed);
        let cpu = (cpu_of_nodes() - cpu0) as f64 / 100.0 / wall * 100.0;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let lat = take_sorted(&stats.latencies_us);
        let req = take_sorted(&REQUEST_US);
        println!(
            "{n:>7} {m:>6} {:>9.0} {:>13.0} {:>8.1} {:>8.1} {:>8.1} {:>8.0}% {:>7.0} MB {:>7.0}% {:>7.0}%",
            sent as f64 / wall,
            stats.deliveries.load(Ordering::Relaxed) as f64 / wall,
            loadgen::bench::pct(&lat, 0.5) / 1000.0,
            loadgen::bench::pct(&lat, 0.95) / 1000.0,
            loadgen::bench::pct(&lat, 0.99) / 1000.0,
            cpu,
            rss_of_nodes(),
            gen_cpu,
            pg_cpu
        );
        println!(
            "        change request round trip: p50 {:.1} ms, p99 {:.1} ms",
            loadgen::bench::pct(&req, 0.5) / 1000.0,
            loadgen::bench::pct(&req, 0.99) / 1000.0
        );
        if nodes == 2 {
            let cross = take_sorted(&stats.cross_us);
            println!(
                "        events that entered through the other node ({}): p50 {:.1} ms, p99 {:.1} ms",
                cross.len(),
                loadgen::bench::pct(&cross, 0.5) / 1000.0,
                loadgen::bench::pct(&cross, 0.99) / 1000.0
            );
        }
    }
    drop(second);
    drop(server);
}
