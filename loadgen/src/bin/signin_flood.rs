//! The anonymous sign-in flood of issue 9, as a benchmark program (not a test).
//!
//!     cargo build --release -p server -p loadgen && target/release/signin-flood
//!
//! Starts the release server on its own database (`ioc_map_signinflood`, recreated) pinned to core 0,
//! then for each scenario keeps 200 sign-in attempts with made-up usernames in flight for 15 s
//! (each answer is followed at once by the next attempt) while a real operator signs in once a
//! second from 127.0.0.1. Scenarios: the flood from one address, and from 200 addresses
//! (127.0.1.1–127.0.1.200: a botnet, or clients behind a proxy the server trusts).
//! Prints per scenario: answers by status, the server's peak RSS, whether it is still up, and the
//! real sign-in's latency (first answer, and until signed in when it was told to retry).
//! Everything talks to 127.0.0.1 only.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use loadgen::bench::{
    pct, peak_rss_mb, pin_to, raise_open_files, rss_mb, sign_in_attempt, start_server,
};

const PORT: u16 = 3398;
const DB: &str = "ioc_map_signinflood";
const PARALLEL: u32 = 200;
const FLOOD: Duration = Duration::from_secs(15);

async fn attempt(source: Option<Ipv4Addr>, username: &str, password: &str) -> Option<u16> {
    sign_in_attempt(source, PORT, username, password)
        .await
        .map(|(status, _, _)| status)
}

struct Scenario {
    name: &'static str,
    /// The flood's source address for attempt slot `i`.
    source: fn(u32) -> Ipv4Addr,
}

async fn run(scenario: &Scenario, pid: u32) {
    let stop = Arc::new(AtomicBool::new(false));
    let statuses = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
    let mut flooders = Vec::new();
    for i in 0..PARALLEL {
        let (stop, statuses, source) = (stop.clone(), statuses.clone(), (scenario.source)(i));
        flooders.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let name = format!("flood-{i}-{n}");
                let key = match attempt(Some(source), &name, "a-guess").await {
                    Some(s) => s.to_string(),
                    None => "no answer".to_string(),
                };
                *statuses.lock().expect("lock").entry(key).or_default() += 1;
            }
        }));
    }
    let started = Instant::now();
    let (mut first, mut until_in, mut refused) = (Vec::new(), Vec::new(), 0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    while started.elapsed() < FLOOD {
        let t = Instant::now();
        let mut first_ms = None;
        loop {
            let s = attempt(None, "operator", "operator-demo-2026").await;
            first_ms.get_or_insert(t.elapsed().as_secs_f64() * 1000.0);
            match s {
                Some(200) => {
                    until_in.push(t.elapsed().as_secs_f64() * 1000.0);
                    break;
                }
                Some(503) if t.elapsed() < Duration::from_secs(10) => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                _ => {
                    refused += 1;
                    break;
                }
            }
        }
        first.extend(first_ms);
        tokio::time::sleep(Duration::from_secs(1).saturating_sub(t.elapsed())).await;
    }
    stop.store(true, Ordering::Relaxed);
    for f in flooders {
        let _ = f.await;
    }
    let alive = std::path::Path::new(&format!("/proc/{pid}")).exists()
        && attempt(None, "nobody", "x").await.is_some();
    first.sort_by(f64::total_cmp);
    until_in.sort_by(f64::total_cmp);
    println!(
        "== {} ({PARALLEL} attempts in flight for {FLOOD:?})",
        scenario.name
    );
    println!(
        "  flood answers: {:?}",
        statuses.lock().expect("lock").clone()
    );
    println!(
        "  server: up={alive}, peak RSS {:.0} MiB (now {:.0} MiB)",
        peak_rss_mb(pid),
        rss_mb(pid)
    );
    println!(
        "  real sign-in: {} signed in, {refused} not; first answer p50 {:.0} ms, max {:.0} ms; signed in p50 {:.0} ms, max {:.0} ms",
        until_in.len(),
        pct(&first, 0.5),
        first.last().copied().unwrap_or(f64::NAN),
        pct(&until_in, 0.5),
        until_in.last().copied().unwrap_or(f64::NAN),
    );
}

#[tokio::main]
async fn main() {
    raise_open_files();
    let server = start_server(
        DB,
        PORT,
        &[("IOC_DEMO_USERS", "1".to_string())],
        "/tmp/signin-flood-server.log",
    )
    .await;
    pin_to(1, std::process::id());
    // the server is up once it answers a sign-in
    for _ in 0..300 {
        if attempt(None, "nobody", "x").await.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "server pid {} on core 0; idle RSS {:.0} MiB",
        server.id(),
        rss_mb(server.id())
    );
    let scenarios = [
        Scenario {
            name: "one address (127.0.0.2)",
            source: |_| Ipv4Addr::new(127, 0, 0, 2),
        },
        Scenario {
            name: "200 addresses (127.0.1.1-200)",
            source: |i| Ipv4Addr::new(127, 0, 1, 1 + (i % 200) as u8),
        },
    ];
    for s in &scenarios {
        run(s, server.id()).await;
    }
}
