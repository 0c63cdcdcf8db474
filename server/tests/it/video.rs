//! Live video end to end without a browser: camsim (in-process, real ffmpeg/libx264) or GStreamer's
//! RTSP server as the camera, the server pulling it with retina, and a webrtc-rs WHEP client
//! reassembling what it receives. Runs on its own database (see `common::video_database_url`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use serde_json::{json, Value};
use sqlx::PgPool;

use loadgen::whep::WhepClient;
use server::video::packetize::MAX_RTP_PACKET;

use crate::common::{self, send, sign_in, Who};

const CATHEDRAL: &str = "cam-0001";

pub(crate) async fn video_app() -> (Router, PgPool) {
    let (app, pool, _) = video_app_with_live().await;
    (app, pool)
}

async fn video_app_with_live() -> (Router, PgPool, Arc<server::live::Live>) {
    let url = common::video_database_url();
    let pool = server::db::connect(&url)
        .await
        .expect("video test database");
    let config = common::config(url);
    let live = server::live::Live::start(pool.clone(), Default::default())
        .await
        .expect("live service");
    let app = common::router_on(pool.clone(), config, live.clone());
    (app, pool, live)
}

pub(crate) async fn camsim(ids: &[&str], mode: camsim::Mode) -> camsim::Handle {
    camsim::start(camsim::Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        cameras: ids
            .iter()
            .map(|id| camsim::Camera {
                id: id.to_string(),
                name: format!("Camera {id} Nhà thờ Đức Bà"),
            })
            .collect(),
        mode,
        ..Default::default()
    })
    .await
    .expect("camsim starts (ffmpeg and fonts-dejavu-core are installed by make test)")
}

pub(crate) async fn point_camera(pool: &PgPool, id: &str, url: &str) {
    sqlx::query("UPDATE cameras SET stream_url = $2 WHERE id = $1")
        .bind(id)
        .bind(url)
        .execute(pool)
        .await
        .expect("re-point camera");
}

async fn whep(app: &Router, cookie: Option<&str>, camera: &str, sdp: &str) -> common::Answer {
    let mut b = Request::post(format!("/api/cameras/{camera}/whep"))
        .header("host", "test.local")
        .header("content-type", "application/sdp");
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    send(app, b.body(Body::from(sdp.to_string())).expect("request")).await
}

/// A viewer connected over WHEP; its session URL.
pub(crate) async fn watch(app: &Router, cookie: &str, camera: &str) -> (WhepClient, String) {
    let (client, offer) = WhepClient::offer([127, 0, 0, 1].into())
        .await
        .expect("client offer");
    let a = whep(app, Some(cookie), camera, &offer).await;
    assert_eq!(a.status, 201, "{}", a.text);
    assert_eq!(a.headers["content-type"], "application/sdp");
    assert!(a.text.contains("a=candidate:"), "answer carries candidates");
    client.accept(&a.text).await.expect("answer applies");
    let location = a.headers["location"].to_str().expect("ascii").to_string();
    assert!(location.starts_with(&format!("/api/cameras/{camera}/whep/")));
    (client, location)
}

#[derive(Default, Debug)]
pub(crate) struct Seen {
    pub(crate) units: usize,
    keyframes: usize,
    packets: usize,
    largest_packet: usize,
    /// camsim's capture-time SEI: (capture µs, frame counter) per access unit that had one
    stamps: Vec<(i64, u32)>,
}

/// Receives until `units` complete access units (with at least one keyframe) or the deadline.
pub(crate) async fn receive(client: &mut WhepClient, units: usize, within: Duration) -> Seen {
    let mut seen = Seen::default();
    let deadline = Instant::now() + within;
    while (seen.units < units || seen.keyframes == 0) && Instant::now() < deadline {
        let Some(r) = client.next(deadline - Instant::now()).await else {
            break;
        };
        seen.packets += 1;
        seen.largest_packet = seen.largest_packet.max(r.packet_bytes);
        if let Some(u) = r.unit {
            seen.units += 1;
            seen.keyframes += usize::from(u.keyframe);
            if let Some(s) = u.nals.iter().find_map(|n| camsim::sei::parse(n)) {
                seen.stamps.push(s);
            }
        }
    }
    seen
}

pub(crate) async fn metrics(app: &Router) -> String {
    common::get_as(app, Who::Admin, "/metrics").await.text
}

pub(crate) fn metric(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

async fn status_of(pool: &PgPool, id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM cameras WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("camera")
}

async fn wait_status(pool: &PgPool, id: &str, want: &str, within: Duration) -> Duration {
    let t0 = Instant::now();
    while status_of(pool, id).await != want {
        assert!(
            t0.elapsed() < within,
            "{id} did not become {want} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    t0.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_viewers_share_one_pull_and_get_whole_h264_frames_in_small_packets() {
    let (app, pool) = video_app().await;
    let cams = camsim(&[CATHEDRAL], camsim::Mode::Live).await;
    point_camera(&pool, CATHEDRAL, &cams.url(CATHEDRAL)).await;
    let operator = sign_in(&app, Who::Operator).await.expect("cookie");

    let (mut first, first_session) = watch(&app, &operator, CATHEDRAL).await;
    let seen = receive(&mut first, 30, Duration::from_secs(30)).await;
    assert!(seen.units >= 30, "30 access units expected: {seen:?}");
    assert!(seen.keyframes >= 1, "a keyframe expected: {seen:?}");
    assert!(
        seen.largest_packet <= MAX_RTP_PACKET,
        "camsim sends up to 3000-byte packets; the viewer must get ≤ {MAX_RTP_PACKET}: {seen:?}"
    );
    // camsim's capture stamps survive the trip: increasing frame counters, recent capture times
    assert!(seen.stamps.len() >= 30, "{seen:?}");
    assert!(seen
        .stamps
        .windows(2)
        .all(|w| w[1].1 > w[0].1 && w[1].0 >= w[0].0));
    let now_us = chrono::Utc::now().timestamp_micros();
    let newest = seen.stamps.last().expect("stamps").0;
    assert!(
        (now_us - newest).abs() < 5_000_000,
        "capture time {newest} vs now {now_us}"
    );
    assert_eq!(status_of(&pool, CATHEDRAL).await, "online");

    // a second viewer of the same camera: no second RTSP session, and it starts at once (GOP cache)
    let (mut second, _) = watch(&app, &operator, CATHEDRAL).await;
    let t0 = Instant::now();
    let seen2 = receive(&mut second, 5, Duration::from_secs(15)).await;
    assert!(seen2.units >= 5 && seen2.keyframes >= 1, "{seen2:?}");
    println!(
        "warm viewer: 5 access units incl. a keyframe in {:?}",
        t0.elapsed()
    );
    assert_eq!(
        cams.stats().cameras[0].sessions,
        1,
        "one RTSP session for two viewers"
    );
    let m = metrics(&app).await;
    assert_eq!(metric(&m, "ioc_video_active_pulls "), Some(1.0), "{m}");
    assert_eq!(
        metric(&m, &format!("ioc_video_viewers{{camera=\"{CATHEDRAL}\"}} ")),
        Some(2.0),
        "{m}"
    );
    assert!(metric(&m, "ioc_video_rtp_packets_forwarded_total ").unwrap_or(0.0) > 60.0);

    // the first viewer leaves with DELETE; the second keeps playing
    let del = send(
        &app,
        Request::delete(&first_session)
            .header("host", "test.local")
            .header("cookie", operator.as_str())
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(del.status, 200, "{}", del.text);
    first.close().await;
    let more = receive(&mut second, 10, Duration::from_secs(10)).await;
    assert!(more.units >= 10, "{more:?}");
    let m = metrics(&app).await;
    assert_eq!(
        metric(&m, &format!("ioc_video_viewers{{camera=\"{CATHEDRAL}\"}} ")),
        Some(1.0),
        "{m}"
    );

    // the audit list names who watched
    let views = common::get_as(
        &app,
        Who::Admin,
        &format!("/api/video/views?camera={CATHEDRAL}"),
    )
    .await;
    assert_eq!(views.status, 200, "{}", views.text);
    let list = views.json()["views"].as_array().cloned().expect("views");
    assert!(list.len() >= 2, "{list:?}");
    assert!(list.iter().all(|v| v["user"] == "operator"));
    assert!(list
        .iter()
        .any(|v| v["end_reason"] == "ended by the viewer"));
    assert_eq!(
        common::get_as(&app, Who::Operator, "/api/video/views")
            .await
            .status,
        403
    );
    second.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_camera_goes_offline_within_5_s_and_its_viewer_resumes_on_recovery() {
    let (app, pool) = video_app().await;
    let id = "cam-0002";
    let cams = camsim(&[id], camsim::Mode::Loop).await;
    point_camera(&pool, id, &cams.url(id)).await;
    let operator = sign_in(&app, Who::Operator).await.expect("cookie");
    let (mut viewer, _) = watch(&app, &operator, id).await;
    assert!(
        receive(&mut viewer, 5, Duration::from_secs(20))
            .await
            .keyframes
            >= 1
    );
    wait_status(&pool, id, "online", Duration::from_secs(5)).await;

    assert!(cams.stop_camera(id));
    let took = wait_status(&pool, id, "offline", Duration::from_secs(5)).await;
    println!("offline noticed {took:?} after the camera stopped");
    let offline = common::get_as(&app, Who::Operator, "/api/cameras/offline").await;
    assert!(offline.text.contains(id), "{}", offline.text);

    assert!(cams.start_camera(id));
    wait_status(&pool, id, "online", Duration::from_secs(15)).await;
    let resumed = receive(&mut viewer, 10, Duration::from_secs(15)).await;
    assert!(
        resumed.units >= 10 && resumed.keyframes >= 1,
        "the same session plays again: {resumed:?}"
    );
    viewer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gstreamer_rtsp_server_as_the_camera() {
    let (app, pool) = video_app().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        l.local_addr().expect("addr").port()
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/gst-rtsp-server.py");
    let mut gst = tokio::process::Command::new("/usr/bin/python3")
        .args([script, &port.to_string(), "/cam-gst"])
        .kill_on_drop(true)
        .spawn()
        .expect("Debian python3 runs tools/gst-rtsp-server.py (python3-gi, GStreamer: make test installs them)");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let id = "cam-0003";
    point_camera(&pool, id, &format!("rtsp://127.0.0.1:{port}/cam-gst")).await;
    let operator = sign_in(&app, Who::Operator).await.expect("cookie");
    let (mut viewer, _) = watch(&app, &operator, id).await;
    let seen = receive(&mut viewer, 30, Duration::from_secs(30)).await;
    assert!(seen.units >= 30 && seen.keyframes >= 1, "{seen:?}");
    assert!(seen.largest_packet <= MAX_RTP_PACKET, "{seen:?}");
    viewer.close().await;
    let _ = gst.kill().await;
}

#[tokio::test]
async fn whep_refuses_bad_offers_unknown_cameras_and_the_wrong_users() {
    let (app, _) = video_app().await;
    let operator = sign_in(&app, Who::Operator).await.expect("cookie");
    let planner = sign_in(&app, Who::Planner).await.expect("cookie");
    let (client, offer) = WhepClient::offer([127, 0, 0, 1].into())
        .await
        .expect("offer");
    client.close().await;

    let a = whep(&app, Some(&operator), CATHEDRAL, "this is not SDP").await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert_eq!(a.json()["field"], "sdp");
    let a = whep(&app, Some(&operator), "cam-9999", &offer).await;
    assert_eq!(a.status, 404, "{}", a.text);
    let vp8 = offer.replace("H264/90000", "VP8/90000");
    let a = whep(&app, Some(&operator), CATHEDRAL, &vp8).await;
    assert_eq!(a.status, 406, "{}", a.text);
    assert!(a.json()["message"]
        .as_str()
        .unwrap_or_default()
        .contains("H.264"));
    assert_eq!(
        whep(&app, Some(&planner), CATHEDRAL, &offer).await.status,
        403
    );
    assert_eq!(whep(&app, None, CATHEDRAL, &offer).await.status, 401);
    // metrics: loopback or admins only (a request through the router has no loopback address)
    assert_eq!(
        common::get_as(&app, Who::Operator, "/metrics").await.status,
        403
    );
    assert_eq!(
        common::get_as(&app, Who::Admin, "/metrics").await.status,
        200
    );
}

#[tokio::test]
async fn admins_add_edit_and_remove_cameras_and_urls_never_leak_passwords() {
    let (app, pool) = video_app().await;
    let admin = |method: &'static str, uri: String, body: Option<Value>| {
        let app = app.clone();
        async move { common::request_as(&app, Who::Admin, method, &uri, body.as_ref()).await }
    };
    let camera = json!({
        "name": "Camera thử nghiệm Bến Nghé", "kind": "fixed", "recorder": "nvr-001",
        "geometry": {"type": "Point", "coordinates": [106.7009, 10.7765]},
        "stream_url": "rtsp://viewer:s3cret-pass@10.20.0.7:554/Streaming/Channels/101"
    });
    let created = admin("POST", "/api/cameras".into(), Some(camera.clone())).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(!created.text.contains("s3cret-pass"), "{}", created.text);
    let f = created.json();
    let id = f["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("cam-"));
    assert_eq!(f["properties"]["ward_code"], "26740");
    assert_eq!(
        f["properties"]["stream_url"],
        "rtsp://viewer:***@10.20.0.7:554/Streaming/Channels/101"
    );
    // no one else may manage cameras, and the OGC layer never carries a stream URL
    for who in [Who::Operator, Who::Planner, Who::Anonymous] {
        let a = common::request_as(&app, who, "POST", "/api/cameras", Some(&camera)).await;
        assert!(a.status == 401 || a.status == 403, "{:?}", a.status);
    }
    let ogc = common::get_as(
        &app,
        Who::Operator,
        &format!("/ogc/collections/cameras/items/{id}"),
    )
    .await;
    assert_eq!(ogc.status, 200, "{}", ogc.text);
    assert!(!ogc.text.contains("10.20.0.7"), "{}", ogc.text);

    let mut bad = camera.clone();
    bad["stream_url"] = json!("http://10.20.0.7/video.mjpg");
    let a = admin("POST", "/api/cameras".into(), Some(bad)).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["field"], "stream_url");
    let mut outside = camera.clone();
    outside["geometry"] = json!({"type": "Point", "coordinates": [106.80, 10.90]});
    let a = admin("POST", "/api/cameras".into(), Some(outside)).await;
    assert_eq!(
        (a.status.as_u16(), a.json()["field"].clone()),
        (400, json!("geometry"))
    );

    // the masked URL sent back (an edit form round trip) keeps the real one
    let masked = f["properties"]["stream_url"].clone();
    let same = admin(
        "PATCH",
        format!("/api/cameras/{id}"),
        Some(json!({"stream_url": masked})),
    )
    .await;
    assert_eq!(same.status, 200, "{}", same.text);
    let stored: String = sqlx::query_scalar("SELECT stream_url FROM cameras WHERE id = $1")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .expect("camera");
    assert!(stored.contains("s3cret-pass"), "{stored}");
    // credentials in the path (some recorders' form) are masked too
    let in_path = admin(
        "PATCH",
        format!("/api/cameras/{id}"),
        Some(json!({"stream_url": "rtsp://10.20.0.9/user=admin&password=S3cr3t&channel=1"})),
    )
    .await;
    assert_eq!(in_path.status, 200, "{}", in_path.text);
    let got = admin("GET", format!("/api/cameras/{id}"), None).await;
    assert!(!got.text.contains("S3cr3t"), "{}", got.text);
    assert_eq!(
        got.json()["properties"]["stream_url"],
        "rtsp://10.20.0.9/user=admin&password=***&channel=1"
    );

    let patched = admin(
        "PATCH",
        format!("/api/cameras/{id}"),
        Some(json!({"name_en": "Test camera, Ben Nghe", "stream_url": "rtsps://10.20.0.8/live"})),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    let p = patched.json();
    assert_eq!(p["properties"]["name_en"], "Test camera, Ben Nghe");
    assert_eq!(p["properties"]["name_vi"], "Camera thử nghiệm Bến Nghé");
    assert_eq!(p["properties"]["stream_url"], "rtsps://10.20.0.8/live");
    let a = admin(
        "PATCH",
        format!("/api/cameras/{id}"),
        Some(json!({"kind": "drone"})),
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["field"].clone()),
        (400, json!("kind"))
    );

    assert_eq!(
        admin("DELETE", format!("/api/cameras/{id}"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        admin("GET", format!("/api/cameras/{id}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        admin("DELETE", format!("/api/cameras/{id}"), None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_probe_tells_a_playing_camera_from_a_stopped_or_absent_one() {
    let cams = camsim(&["cam-0004"], camsim::Mode::Loop).await;
    assert!(server::video::probe::probe(&cams.url("cam-0004")).await);
    assert!(
        !server::video::probe::probe(&cams.url("cam-0404")).await,
        "unknown path"
    );
    cams.stop_camera("cam-0004");
    assert!(
        !server::video::probe::probe(&cams.url("cam-0004")).await,
        "stopped camera"
    );
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    assert!(!server::video::probe::probe(&format!("rtsp://127.0.0.1:{dead}/cam-0004")).await);
}

#[tokio::test]
async fn an_incident_lists_its_nearest_online_cameras_nearest_first() {
    let (app, _, live) = video_app_with_live().await;
    // the cathedral's long-range camera and its neighbours (40–70 m) are online, except the nearest
    for id in ["cam-0001", "cam-0284", "cam-0399", "cam-0398"] {
        server::cameras::store::set_status(&live, id, true)
            .await
            .expect("status");
    }
    server::cameras::store::set_status(&live, "cam-0284", false)
        .await
        .expect("status");
    let a = common::get_as(
        &app,
        Who::Operator,
        "/api/cameras/nearest?lon=106.69899&lat=10.77979&n=3",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let features = a.json()["features"].as_array().cloned().expect("features");
    assert_eq!(features.len(), 3, "{features:?}");
    let ids: Vec<&str> = features.iter().filter_map(|f| f["id"].as_str()).collect();
    assert_eq!(ids, ["cam-0001", "cam-0399", "cam-0398"]);
    assert!(features
        .iter()
        .all(|f| f["properties"]["status"] == "online"));
    let d: Vec<f64> = features
        .iter()
        .map(|f| f["properties"]["distance_m"].as_f64().expect("distance"))
        .collect();
    assert!(d[0] < 5.0 && d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
    let bad = common::get_as(&app, Who::Operator, "/api/cameras/nearest?lon=500&lat=10.7").await;
    assert_eq!(
        (bad.status.as_u16(), bad.json()["field"].clone()),
        (400, json!("lon"))
    );
    assert_eq!(
        common::get_as(
            &app,
            Who::Planner,
            "/api/cameras/nearest?lon=106.7&lat=10.78"
        )
        .await
        .status,
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_camera_ends_its_viewers_sessions() {
    let (app, pool) = video_app().await;
    let id = "cam-0005";
    let cams = camsim(&[id], camsim::Mode::Loop).await;
    point_camera(&pool, id, &cams.url(id)).await;
    let operator = sign_in(&app, Who::Operator).await.expect("cookie");
    let (mut viewer, _) = watch(&app, &operator, id).await;
    assert!(receive(&mut viewer, 3, Duration::from_secs(20)).await.units >= 3);
    let gone = common::request_as(
        &app,
        Who::Admin,
        "DELETE",
        &format!("/api/cameras/{id}"),
        None,
    )
    .await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    let m = metrics(&app).await;
    assert_eq!(
        metric(&m, &format!("ioc_video_viewers{{camera=\"{id}\"}} ")),
        None,
        "{m}"
    );
    let views = common::get_as(&app, Who::Admin, &format!("/api/video/views?camera={id}")).await;
    assert_eq!(
        views.json()["views"][0]["end_reason"],
        "the camera was removed",
        "{}",
        views.text
    );
    assert_eq!(
        frames_after(&mut viewer).await,
        0,
        "frames after the camera was removed"
    );
    viewer.close().await;
}

/// Whole frames that still arrive once what was already on its way has been read (1 s), over 2 s.
pub(crate) async fn frames_after(viewer: &mut WhepClient) -> usize {
    tokio::time::sleep(Duration::from_secs(1)).await;
    while viewer.next(Duration::from_millis(100)).await.is_some() {}
    let mut after = 0;
    let until = Instant::now() + Duration::from_secs(2);
    while let Some(r) = viewer
        .next(until.saturating_duration_since(Instant::now()))
        .await
    {
        after += usize::from(r.unit.is_some());
    }
    after
}
