//! End-to-end tests against a real camsim (in-process) with real ffmpeg/ffprobe clients.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use camsim::{Config, Mode};
use common::*;

async fn start(mode: Mode, cameras: usize) -> camsim::Handle {
    camsim::start(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        cameras: district1().into_iter().take(cameras).collect(),
        mode,
        idle_stop: Duration::from_millis(500),
        ..Config::default()
    })
    .await
    .expect("camsim starts (needs ffmpeg and fonts-dejavu-core)")
}

/// Plays a camera with the raw client for `secs` seconds and checks what real cameras look like:
/// keyframe first with in-band SPS/PPS equal to the SDP's, GOP 15, ~15 fps, packets above 1200
/// bytes, and a capture-time SEI before the slice of every frame.
async fn check_stream(handle: &camsim::Handle, id: &str, secs: u64) {
    let mut c = Client::connect(handle.local_addr()).await;
    let d = c.play(&handle.url(id)).await;
    assert!(d.body.contains("m=video 0 RTP/AVP 96"), "{}", d.body);
    assert!(d.body.contains("a=rtpmap:96 H264/90000"));
    assert!(
        d.body
            .contains("packetization-mode=1;profile-level-id=42C0"),
        "{}",
        d.body
    );
    let (sps, pps) = sprop(&d.body);

    let first = c.next_au().await.unwrap();
    assert_eq!(
        first.types()[..4],
        [7, 8, 6, 5],
        "first frame is SPS PPS SEI IDR"
    );
    assert_eq!(
        (&first.nals[0], &first.nals[1]),
        (&sps, &pps),
        "in-band SPS/PPS equal the SDP's"
    );

    let start = Instant::now();
    let mut aus = vec![first];
    while start.elapsed() < Duration::from_secs(secs) {
        aus.push(c.next_au().await.unwrap());
    }
    let fps = (aus.len() - 1) as f64 / start.elapsed().as_secs_f64();
    assert!((13.0..=17.0).contains(&fps), "{fps} fps");
    assert!(
        aus.iter().any(|a| a.largest_packet > 1200),
        "no RTP packet above 1200 bytes"
    );
    assert!(aus.iter().all(|a| a.largest_packet <= 12 + 3000));

    let mut prev: Option<(i64, u32, u32)> = None;
    for (i, au) in aus.iter().enumerate() {
        let sei_at = au
            .types()
            .iter()
            .position(|&t| t == 6)
            .expect("SEI in every frame");
        let slice_at = au.types().iter().position(|&t| t == 1 || t == 5).unwrap();
        assert_eq!(sei_at + 1, slice_at, "SEI right before the first slice");
        let (capture_us, frame) = camsim::sei::parse(&au.nals[sei_at]).expect("camsim SEI");
        let age_ms = (au.arrived_us - capture_us) as f64 / 1000.0;
        assert!(
            (-1.0..200.0).contains(&age_ms),
            "capture time {age_ms} ms ago"
        );
        assert_eq!(
            au.types().contains(&5),
            i % 15 == 0,
            "IDR every 15 frames, frame {i}"
        );
        if let Some((pt, pf, pts)) = prev {
            assert_eq!(frame, pf + 1, "frame counter");
            assert!(capture_us > pt);
            // RTP timestamps follow the capture clock at 90 kHz
            let dts = i64::from(au.timestamp.wrapping_sub(pts));
            let dcap = (capture_us - pt) * 9 / 100;
            assert!(
                (dts - dcap).abs() <= 2,
                "rtp delta {dts} vs capture delta {dcap}"
            );
        }
        prev = Some((capture_us, frame, au.timestamp));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_mode_streams_to_ffprobe_ffmpeg_and_raw_client() {
    let handle = start(Mode::Live, 1).await;
    let url = handle.url("cam-0001");
    let probe = ffprobe_streams(&url).await;
    let s = &probe["streams"][0];
    assert_eq!(
        (
            s["codec_name"].as_str(),
            s["width"].as_u64(),
            s["height"].as_u64()
        ),
        (Some("h264"), Some(640), Some(360))
    );
    assert_eq!(handle.stats().ffmpeg_processes(), 1);

    check_stream(&handle, "cam-0001", 3).await;

    let frames = ffmpeg_decoded_frames(&url, 3).await;
    assert!(
        (40..=50).contains(&frames),
        "{frames} frames decoded in 3 s"
    );

    // the encoder stops a little after the last viewer left
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stats = handle.stats();
    assert_eq!(
        (stats.ffmpeg_processes(), stats.playing_sessions()),
        (0, 0),
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loop_mode_streams_several_cameras() {
    let handle = start(Mode::Loop, 5).await;
    let probe = ffprobe_streams(&handle.url("cam-0003")).await;
    let s = &probe["streams"][0];
    assert_eq!(
        (
            s["codec_name"].as_str(),
            s["width"].as_u64(),
            s["height"].as_u64()
        ),
        (Some("h264"), Some(640), Some(360))
    );
    tokio::join!(
        check_stream(&handle, "cam-0001", 4),
        check_stream(&handle, "cam-0002", 4),
        check_stream(&handle, "cam-0005", 4),
    );
    let frames = ffmpeg_decoded_frames(&handle.url("cam-0004"), 3).await;
    assert!(
        (40..=50).contains(&frames),
        "{frames} frames decoded in 3 s"
    );
    assert_eq!(
        handle.stats().ffmpeg_processes(),
        0,
        "loop mode runs no ffmpeg per camera"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_camera_ends_sessions_and_start_brings_it_back() {
    let handle = start(Mode::Loop, 2).await;
    let url = handle.url("cam-0002");
    let mut c = Client::connect(handle.local_addr()).await;
    c.play(&url).await;
    c.next_au().await.unwrap();
    assert_eq!(handle.stats().camera("cam-0002").unwrap().playing, 1);

    assert!(handle.stop_camera("cam-0002"));
    let t = Instant::now();
    while c.next_rtp().await.is_some() {
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "session still running after stop"
        );
    }
    let mut c2 = Client::connect(handle.local_addr()).await;
    assert_eq!(c2.request("DESCRIBE", &url, &[]).await.status, 503);
    assert_eq!(c2.request("OPTIONS", &url, &[]).await.status, 200);
    // other cameras are unaffected
    let mut c3 = Client::connect(handle.local_addr()).await;
    c3.play(&handle.url("cam-0001")).await;
    c3.next_au().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stats = handle.stats();
    let cam = stats.camera("cam-0002").unwrap();
    assert!(
        !cam.enabled && cam.playing == 0 && !cam.producing,
        "{cam:?}"
    );

    assert!(handle.start_camera("cam-0002"));
    assert_eq!(c2.request("DESCRIBE", &url, &[]).await.status, 200);
    let mut c4 = Client::connect(handle.local_addr()).await;
    c4.play(&url).await;
    assert!(c4.next_au().await.unwrap().types().contains(&5));
    assert!(!handle.stop_camera("cam-9999"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_errors() {
    let handle = start(Mode::Loop, 1).await;
    let mut c = Client::connect(handle.local_addr()).await;
    let o = c.request("OPTIONS", "*", &[]).await;
    assert!(o.header("Public").unwrap().contains("DESCRIBE"));
    assert_eq!(
        c.request("DESCRIBE", &handle.url("cam-9999"), &[])
            .await
            .status,
        404
    );
    let udp = [("Transport", "RTP/AVP;unicast;client_port=5000-5001")];
    assert_eq!(
        c.request(
            "SETUP",
            &format!("{}/trackID=0", handle.url("cam-0001")),
            &udp
        )
        .await
        .status,
        461
    );
    assert_eq!(
        c.request("PLAY", &handle.url("cam-0001"), &[]).await.status,
        454
    );
    let tcp = [("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")];
    let s = c
        .request(
            "SETUP",
            &format!("{}/trackID=0", handle.url("cam-0001")),
            &tcp,
        )
        .await;
    assert_eq!(s.status, 200);
    assert!(s.header("Session").unwrap().ends_with(";timeout=60"));
    assert!(s
        .header("Transport")
        .unwrap()
        .starts_with("RTP/AVP/TCP;unicast;interleaved=0-1"));
    assert_eq!(
        c.request("GET_PARAMETER", &handle.url("cam-0001"), &[])
            .await
            .status,
        200
    );
    let p = c
        .request("PLAY", &format!("{}/", handle.url("cam-0001")), &[])
        .await;
    assert_eq!(p.header("Range"), Some("npt=now-"));
    let info = p.header("RTP-Info").unwrap();
    assert!(
        info.contains("/cam-0001/trackID=0;seq=") && info.contains(";rtptime="),
        "{info}"
    );
    assert_eq!(handle.stats().playing_sessions(), 1);
    assert_eq!(
        c.request("TEARDOWN", &handle.url("cam-0001"), &[])
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(handle.stats().playing_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_handle_closes_sessions() {
    let handle = start(Mode::Loop, 1).await;
    let mut c = Client::connect(handle.local_addr()).await;
    c.play(&handle.url("cam-0001")).await;
    c.next_au().await.unwrap();
    let addr = handle.local_addr();
    drop(handle);
    let t = Instant::now();
    while c.next_rtp().await.is_some() {
        assert!(t.elapsed() < Duration::from_secs(1));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "listener closed"
    );
}

#[test]
fn district1_cameras_from_geojson() {
    let cams = district1();
    assert_eq!(cams.len(), 1132);
    assert_eq!(cams[0].id, "cam-0001");
    assert!(cams[0].name.contains("Nhà thờ Đức Bà"), "{}", cams[0].name);
}
