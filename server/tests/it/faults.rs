//! Faults on the live path (issue 8), with the real server binary: killed (SIGKILL) several times at
//! random moments while clients create incidents, and PostgreSQL gone for 10 s under traffic (on a
//! throwaway cluster the test starts itself). Every incident answered with 201 exists afterwards,
//! and a raw WebSocket client that resumes with `since` — counting frames per seq, de-duplicating
//! nothing — receives each event exactly once, in seq order.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

use crate::common::database_url;
use crate::restart::{cookie, free_port, http, start_server_on, wait_healthy};

/// The event frames a raw client received: (seq, feature id), in arrival order.
type Received = Arc<Mutex<Vec<(i64, String)>>>;

/// A raw live client on a box of its own: reconnects whenever the socket drops and resumes with the
/// greatest seq it has seen, keeping every event frame as it came.
fn raw_client(
    port: u16,
    cookie: String,
    bbox: [f64; 4],
    got: Received,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut since: Option<i64> = None;
        loop {
            let mut req = format!("ws://127.0.0.1:{port}/ws")
                .into_client_request()
                .expect("request");
            req.headers_mut()
                .insert("cookie", cookie.parse().expect("cookie"));
            let Ok((mut ws, _)) = tokio_tungstenite::connect_async(req).await else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            let mut sub = json!({"type": "subscribe", "bbox": bbox, "layers": ["incidents"]});
            if let Some(s) = since {
                sub["since"] = json!(s);
            }
            if ws
                .send(Message::Text(sub.to_string().into()))
                .await
                .is_err()
            {
                continue;
            }
            while let Some(Ok(msg)) = ws.next().await {
                let Message::Text(t) = msg else { continue };
                let f: Value = serde_json::from_str(&t).expect("json");
                assert_ne!(f["type"], "reset", "the log is there: no reset");
                if let Some(seq) = f["seq"].as_i64() {
                    since = Some(since.map_or(seq, |s| s.max(seq)));
                }
                if f["type"] == "event" {
                    let id = f["feature"]["id"].as_str().expect("id").to_string();
                    got.lock()
                        .expect("lock")
                        .push((f["seq"].as_i64().expect("seq"), id));
                }
            }
        }
    })
}

/// Creates incidents at `spot` until told to stop; the ids answered with 201.
fn writer(
    port: u16,
    cookie: String,
    spot: [f64; 2],
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<(Vec<String>, usize)> {
    tokio::spawn(async move {
        let (mut made, mut failed) = (Vec::new(), 0);
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let body = json!({"kind": "other", "severity": 1, "description": "fault test",
                              "geometry": {"type": "Point", "coordinates": spot}})
            .to_string();
            let req = format!(
                "POST /api/incidents HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nCookie: {cookie}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            match http(port, req).await {
                Some(a) if a.starts_with("HTTP/1.1 201") => {
                    let json_at = a.find("\r\n\r\n").expect("body") + 4;
                    let v: Value = serde_json::from_str(&a[json_at..]).expect("json");
                    made.push(v["id"].as_str().expect("id").to_string());
                }
                Some(a) if !a.starts_with("HTTP/1.1 ") => failed += 1, // killed mid-answer
                Some(a) => {
                    // while the database is away the answer is a clear 503, nothing else
                    assert!(
                        a.starts_with("HTTP/1.1 503"),
                        "{}",
                        a.lines().next().unwrap_or("")
                    );
                    failed += 1;
                }
                None => failed += 1, // the server was killed under the request
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        (made, failed)
    })
}

/// Waits until the raw client has every one of `ids`, then checks: each exactly once, seqs strictly
/// increasing over everything received.
async fn check_exactly_once(got: &Received, ids: &[String]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let have: std::collections::HashSet<String> = got
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, id)| id.clone())
            .collect();
        if ids.iter().all(|id| have.contains(id)) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = got.lock().expect("lock").clone();
    for id in ids {
        let n = got.iter().filter(|(_, i)| i == id).count();
        assert_eq!(n, 1, "{id} received {n} times");
    }
    for w in got.windows(2) {
        assert!(
            w[1].0 > w[0].0,
            "seq {} after {}: a duplicate or out of order",
            w[1].0,
            w[0].0
        );
    }
}

/// A spot and a box of their own (Cô Giang), so other tests' incidents do not interleave.
const SPOT: [f64; 2] = [106.6958, 10.7615];
const BOX: [f64; 4] = [106.6950, 10.7608, 106.6966, 10.7622];

/// A raw live client on [`BOX`] and `writers` clients creating incidents at [`SPOT`].
struct Traffic {
    got: Received,
    reader: tokio::task::JoinHandle<()>,
    halt: Arc<std::sync::atomic::AtomicBool>,
    writers: Vec<tokio::task::JoinHandle<(Vec<String>, usize)>>,
}

impl Traffic {
    async fn start(port: u16, cookie: &str, writers: usize) -> Traffic {
        let got: Received = Default::default();
        let reader = raw_client(port, cookie.to_string(), BOX, got.clone());
        tokio::time::sleep(Duration::from_millis(300)).await;
        let halt = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writers = (0..writers)
            .map(|_| writer(port, cookie.to_string(), SPOT, halt.clone()))
            .collect();
        Traffic {
            got,
            reader,
            halt,
            writers,
        }
    }

    /// Stops the writers: the ids answered 201, and how many requests were not.
    async fn stop(&mut self) -> (Vec<String>, usize) {
        self.halt.store(true, std::sync::atomic::Ordering::Relaxed);
        let (mut made, mut failed) = (Vec::new(), 0);
        for w in self.writers.drain(..) {
            let (m, f) = w.await.expect("writer");
            made.extend(m);
            failed += f;
        }
        (made, failed)
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

async fn count_existing(url: &str, ids: &[String]) -> i64 {
    let pool = server::db::connect(url).await.expect("connect");
    sqlx::query_scalar("SELECT count(*) FROM incidents WHERE id = ANY($1)")
        .bind(ids)
        .fetch_one(&pool)
        .await
        .expect("count")
}

fn stop(mut server: Child) {
    let _ = server.kill();
    let _ = server.wait();
}

#[tokio::test]
async fn incidents_survive_a_server_killed_at_random_and_each_event_arrives_once() {
    let port = free_port();
    let url = database_url();
    let mut server = start_server_on(port, &url);
    wait_healthy(port).await;
    let c = cookie(port).await;
    let mut traffic = Traffic::start(port, &c, 3).await;
    for kill in 0..3 {
        let wait = rand::thread_rng().gen_range(300..1500);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        server.kill().expect("kill -9");
        server.wait().expect("reap");
        println!("faults: SIGKILL {} after {wait} ms", kill + 1);
        tokio::time::sleep(Duration::from_millis(200)).await;
        server = start_server_on(port, &url);
        wait_healthy(port).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (made, failed) = traffic.stop().await;
    println!(
        "faults: {} incidents answered 201, {failed} requests cut off by the kills",
        made.len()
    );
    assert!(made.len() >= 10, "traffic flowed between the kills");
    assert_eq!(
        count_existing(&url, &made).await,
        made.len() as i64,
        "every 201 is kept"
    );
    check_exactly_once(&traffic.got, &made).await;
    stop(server);
}

/// A PostgreSQL cluster of the test's own, in a temporary directory on a free port.
struct Cluster {
    dir: std::path::PathBuf,
    port: u16,
}

fn pg_bin(tool: &str) -> String {
    let version = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .max()
        .expect("a PostgreSQL version");
    format!("/usr/lib/postgresql/{version}/bin/{tool}")
}

/// Runs a PostgreSQL tool as the `postgres` user (initdb refuses root).
fn as_postgres(tool: &str, args: &[&str]) -> bool {
    Command::new("runuser")
        .args(["-u", "postgres", "--", &pg_bin(tool)])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Cluster {
    fn create() -> Cluster {
        let dir = std::env::temp_dir().join(format!("ioc-map-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        assert!(Command::new("chown")
            .args(["postgres", dir.to_str().expect("path")])
            .status()
            .expect("chown")
            .success());
        let data = dir.join("data");
        assert!(
            as_postgres(
                "initdb",
                &[
                    "-D",
                    data.to_str().expect("path"),
                    "-A",
                    "trust",
                    "-U",
                    "postgres"
                ]
            ),
            "initdb of a throwaway cluster"
        );
        let cluster = Cluster {
            dir,
            port: free_port(),
        };
        cluster.start();
        cluster
    }

    fn start(&self) {
        let data = self.dir.join("data");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        assert!(
            as_postgres(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().expect("path"),
                    "-o",
                    &opts,
                    "-w",
                    "-l",
                    self.dir.join("log").to_str().expect("path"),
                    "start"
                ]
            ),
            "pg_ctl start"
        );
    }

    fn stop(&self) {
        let data = self.dir.join("data");
        assert!(
            as_postgres(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().expect("path"),
                    "-m",
                    "immediate",
                    "-w",
                    "stop"
                ]
            ),
            "pg_ctl stop"
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/ioc_map_fault", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = as_postgres(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "stop",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The HTTP status of an answer.
fn status(a: &Option<String>) -> Option<u16> {
    a.as_ref()?.split(' ').nth(1)?.parse().ok()
}

#[tokio::test]
async fn postgres_away_for_10_s_is_a_503_and_the_live_layer_recovers_with_no_gap() {
    let cluster = Cluster::create();
    let port = free_port();
    let server = start_server_on(port, &cluster.url());
    wait_healthy(port).await;
    let c = cookie(port).await;
    let mut traffic = Traffic::start(port, &c, 2).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    // a second session, never used yet: not in the session cache, so its lookup needs the database
    let unseen = cookie(port).await;
    cluster.stop();
    let away = Instant::now();
    // meanwhile: its requests are 503 (not 401: the session is not "gone", the database is)
    let me =
        format!("GET /api/me HTTP/1.1\r\nHost: x\r\nCookie: {unseen}\r\nConnection: close\r\n\r\n");
    let mut waits = Vec::new();
    while away.elapsed() < Duration::from_secs(10) {
        let asked = Instant::now();
        assert_eq!(status(&http(port, me.clone()).await), Some(503));
        waits.push(asked.elapsed());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // each waits for the pool's acquire timeout (3 s), then says so
    println!("faults: while PostgreSQL was away, 503s came after {waits:.2?}");
    assert!(
        waits.len() >= 2 && waits.iter().all(|w| *w < Duration::from_secs(5)),
        "{waits:?}"
    );
    cluster.start();
    // it recovers by itself
    let back = Instant::now();
    loop {
        if status(&http(port, me.clone()).await) == Some(200) {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "the server did not recover"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "faults: PostgreSQL away 10 s; the server answered again {:.2?} after it came back",
        back.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (made, refused) = traffic.stop().await;
    println!(
        "faults: {} incidents answered 201, {refused} answered 503 while PostgreSQL was away",
        made.len()
    );
    assert!(refused > 0, "requests came while the database was away");
    assert_eq!(
        count_existing(&cluster.url(), &made).await,
        made.len() as i64
    );
    check_exactly_once(&traffic.got, &made).await;
    stop(server);
}
