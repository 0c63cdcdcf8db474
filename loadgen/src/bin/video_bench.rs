//! Live video benchmark (a program, not a test):
//!
//!     cargo build --release -p server -p loadgen && target/release/video-bench
//!
//! Starts two camera simulators in this process (camsim: live ffmpeg encoding for the landmark
//! cameras, looped pre-encoded video for all the others), the release server on its own database
//! (`ioc_map_videobench`, recreated) pinned to core 0, and webrtc-rs WHEP viewers pinned with this
//! program to core 1. Prints: time to first frame after the WHEP request (cold pull and warm, p50 and
//! p95), glass-to-glass latency (camsim's capture-time SEI → access unit reassembled at the viewer,
//! p50/p99), and the server's CPU and RSS with 1, 50 and 300 viewers of one camera and with 100
//! looped cameras each watched once. Everything talks to 127.0.0.1 only.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use loadgen::whep::WhepClient;

const PORT: u16 = 3398;
const LIVE_RTSP: u16 = 8654;
const LOOP_RTSP: u16 = 8655;
const DB: &str = "ioc_map_videobench";
const PASSWORD: &str = "videobench-admin-password";
const MEASURE: Duration = Duration::from_secs(10);

struct Viewer {
    client: WhepClient,
    session: String,
}

/// Opens a WHEP session; returns the viewer and when the request was sent.
async fn open(cookie: &str, camera: &str) -> (Viewer, Instant) {
    let (client, offer) = WhepClient::offer([127, 0, 0, 1].into())
        .await
        .expect("client offer");
    let sent = Instant::now();
    let (status, headers, answer) = loadgen::bench::http(
        PORT,
        "POST",
        &format!("/api/cameras/{camera}/whep"),
        &[("Content-Type", "application/sdp"), ("Cookie", cookie)],
        &offer,
    )
    .await
    .expect("server answers");
    assert_eq!(status, 201, "WHEP for {camera}: {answer}");
    client.accept(&answer).await.expect("answer applies");
    let session = headers
        .iter()
        .find(|(k, _)| k == "location")
        .map(|(_, v)| v.clone())
        .expect("Location");
    (Viewer { client, session }, sent)
}

async fn close(cookie: &str, v: Viewer) {
    let _ = loadgen::bench::http(PORT, "DELETE", &v.session, &[("Cookie", cookie)], "").await;
    v.client.close().await;
}

/// Time from the WHEP request to the first complete keyframe at the viewer.
async fn first_frame(cookie: &str, camera: &str) -> Option<Duration> {
    let (mut v, sent) = open(cookie, camera).await;
    let mut took = None;
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        let Some(r) = v.client.next(deadline - Instant::now()).await else {
            break;
        };
        if r.unit.is_some_and(|u| u.keyframe) {
            took = Some(sent.elapsed());
            break;
        }
    }
    close(cookie, v).await;
    took
}

fn ms(d: &[Duration]) -> Vec<f64> {
    let mut v: Vec<f64> = d.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Keeps a viewer draining its packets until `stop`; counts complete access units.
fn drain(
    mut v: Viewer,
    frames: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Viewer> {
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            match v.client.next(Duration::from_millis(500)).await {
                Some(r) if r.unit.is_some() => {
                    frames.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
        v
    })
}

/// Stops the draining viewers and ends their sessions (WHEP DELETE, peer closed).
async fn close_all(cookie: &str, stop: &AtomicBool, tasks: Vec<tokio::task::JoinHandle<Viewer>>) {
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        if let Ok(v) = t.await {
            close(cookie, v).await;
        }
    }
    stop.store(false, Ordering::Relaxed);
}

/// Viewers the server counts right now (from /metrics, allowed to loopback clients).
async fn server_viewers() -> u64 {
    let Some((_, _, text)) = loadgen::bench::http(PORT, "GET", "/metrics", &[], "").await else {
        return 0;
    };
    text.lines()
        .filter(|l| l.starts_with("ioc_video_viewers{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// Server CPU (% of one core) and RSS over `MEASURE`, and access units delivered per second.
async fn measure(pid: u32, frames: &AtomicU64) -> (f64, f64, f64) {
    tokio::time::sleep(Duration::from_secs(3)).await;
    let f0 = frames.load(Ordering::Relaxed);
    let c0 = loadgen::bench::cpu_ticks(pid);
    let t0 = Instant::now();
    tokio::time::sleep(MEASURE).await;
    let wall = t0.elapsed().as_secs_f64();
    let cpu = (loadgen::bench::cpu_ticks(pid) - c0) as f64 / wall;
    let fps = (frames.load(Ordering::Relaxed) - f0) as f64 / wall;
    (cpu, loadgen::bench::rss_mb(pid), fps)
}

async fn camsim(port: u16, mode: camsim::Mode) -> camsim::Handle {
    let cameras = camsim::cameras_from_geojson("data/district1/cameras.geojson")
        .expect("run from the repository root (data/district1/cameras.geojson)");
    camsim::start(camsim::Config {
        listen: ([127, 0, 0, 1], port).into(),
        cameras,
        mode,
        ..Default::default()
    })
    .await
    .expect("camsim starts (ffmpeg, fonts-dejavu-core)")
}

#[tokio::main]
async fn main() {
    loadgen::bench::raise_open_files();
    loadgen::bench::pin_to(1, std::process::id());
    let live = camsim(LIVE_RTSP, camsim::Mode::Live).await;
    let looped = camsim(LOOP_RTSP, camsim::Mode::Loop).await;
    let server = loadgen::bench::start_server(
        DB,
        PORT,
        &[
            ("IOC_ADMIN_PASSWORD", PASSWORD.into()),
            (
                "IOC_CAMERA_RTSP_BASE",
                format!("rtsp://127.0.0.1:{LOOP_RTSP}"),
            ),
            ("IOC_CAMERA_PROBE_SECS", "0".into()),
            ("IOC_WEBRTC_BIND_IPS", "127.0.0.1".into()),
            // one user opens all 300 viewers
            ("IOC_VIDEO_SESSIONS_PER_USER", "1000".into()),
        ],
        "target/video-bench-server.log",
    )
    .await;
    let pid = server.id();
    let cookie = loadgen::bench::sign_in(PORT, PASSWORD).await;
    // the cathedral camera is encoded live by ffmpeg (the others loop a pre-encoded clip)
    let body = serde_json::json!({"stream_url": live.url("cam-0001")}).to_string();
    let (status, _, text) = loadgen::bench::http(
        PORT,
        "PATCH",
        "/api/cameras/cam-0001",
        &[("Content-Type", "application/json"), ("Cookie", &cookie)],
        &body,
    )
    .await
    .expect("patch");
    assert_eq!(status, 200, "{text}");
    println!("server pid {pid} on core 0; camsim and the WebRTC viewers on core 1");

    // time to first frame: cold (a camera nobody watches) and warm (a camera already pulled)
    let mut cold = Vec::new();
    for i in 0..20 {
        if let Some(d) = first_frame(&cookie, &format!("cam-{:04}", 100 + i)).await {
            cold.push(d);
        }
    }
    let (holder, _) = open(&cookie, "cam-0050").await;
    let holder_frames = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let holder = drain(holder, holder_frames.clone(), stop.clone());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut warm = Vec::new();
    for _ in 0..20 {
        if let Some(d) = first_frame(&cookie, "cam-0050").await {
            warm.push(d);
        }
    }
    let (c, w) = (ms(&cold), ms(&warm));
    println!(
        "first frame after WHEP, cold pull ({} of 20): p50 {:.0} ms, p95 {:.0} ms",
        c.len(),
        loadgen::bench::pct(&c, 0.5),
        loadgen::bench::pct(&c, 0.95)
    );
    println!(
        "first frame after WHEP, warm ({} of 20):      p50 {:.0} ms, p95 {:.0} ms",
        w.len(),
        loadgen::bench::pct(&w, 0.5),
        loadgen::bench::pct(&w, 0.95)
    );
    close_all(&cookie, &stop, vec![holder]).await;

    // glass to glass: camsim's capture time (SEI) → access unit complete at the viewer
    for (camera, what) in [("cam-0001", "live ffmpeg"), ("cam-0060", "looped")] {
        let (mut v, _) = open(&cookie, camera).await;
        let mut lat = Vec::new();
        let until = Instant::now() + MEASURE;
        while Instant::now() < until {
            let Some(r) = v.client.next(Duration::from_secs(5)).await else {
                break;
            };
            if let Some(u) = r.unit {
                let now = loadgen::bench::now_us();
                if let Some((capture, _)) = u.nals.iter().find_map(|n| camsim::sei::parse(n)) {
                    lat.push(((now - capture) as f64 / 1000.0).max(0.0));
                }
            }
        }
        lat.sort_by(f64::total_cmp);
        println!(
            "glass to glass, {camera} ({what}), {} frames: p50 {:.1} ms, p99 {:.1} ms",
            lat.len(),
            loadgen::bench::pct(&lat, 0.5),
            loadgen::bench::pct(&lat, 0.99)
        );
        close(&cookie, v).await;
    }

    // one camera, 1 → 50 → 300 viewers
    println!(
        "{:>28} {:>9} {:>9} {:>16}",
        "", "srv CPU", "srv RSS", "frames/s/viewer"
    );
    let frames = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for target in [1usize, 50, 300] {
        while tasks.len() < target {
            let (v, _) = open(&cookie, "cam-0200").await;
            tasks.push(drain(v, frames.clone(), stop.clone()));
        }
        let (cpu, rss, fps) = measure(pid, &frames).await;
        println!(
            "{:>28} {:>8.1}% {:>6.0} MB {:>16.1}   (server counts {} viewers)",
            format!("{target} viewers of one camera"),
            cpu,
            rss,
            fps / target as f64,
            server_viewers().await
        );
    }
    close_all(&cookie, &stop, std::mem::take(&mut tasks)).await;
    // past the grace period: the one-camera pull has stopped
    tokio::time::sleep(Duration::from_secs(12)).await;

    // 100 looped cameras, each watched once
    let frames = Arc::new(AtomicU64::new(0));
    for i in 0..100 {
        let (v, _) = open(&cookie, &format!("cam-{:04}", 300 + i)).await;
        tasks.push(drain(v, frames.clone(), stop.clone()));
    }
    let (cpu, rss, fps) = measure(pid, &frames).await;
    println!(
        "{:>28} {:>8.1}% {:>6.0} MB {:>16.1}   (server counts {} viewers)",
        "100 cameras, 1 viewer each",
        cpu,
        rss,
        fps / 100.0,
        server_viewers().await
    );
    close_all(&cookie, &stop, tasks).await;
    println!(
        "peak server RSS {:.0} MB; camsim playing sessions: {} live + {} looped",
        loadgen::bench::peak_rss_mb(pid),
        live.stats().playing_sessions(),
        looped.stats().playing_sessions()
    );
    drop(server);
}
