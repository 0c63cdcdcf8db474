//! The ioc-map server pulls cameras with the `retina` crate, which is stricter than ffmpeg about
//! RTSP details (RTP-Info, sequence numbers, SDP); camsim must satisfy it.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use futures_util::StreamExt;
use retina::client::{PlayOptions, Session, SessionOptions, SetupOptions, Transport};
use retina::codec::CodecItem;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retina_plays_both_modes() {
    for mode in [camsim::Mode::Loop, camsim::Mode::Live] {
        let handle = camsim::start(camsim::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            cameras: common::district1().into_iter().take(3).collect(),
            mode,
            ..camsim::Config::default()
        })
        .await
        .unwrap();
        let url = url::Url::parse(&handle.url("cam-0003")).unwrap();
        let mut session = Session::describe(
            url,
            SessionOptions::default().user_agent("camsim-test".into()),
        )
        .await
        .unwrap();
        let stream = &session.streams()[0];
        assert_eq!(stream.encoding_name(), "h264");
        session
            .setup(
                0,
                SetupOptions::default().transport(Transport::Tcp(Default::default())),
            )
            .await
            .unwrap();
        let mut demuxed = session
            .play(PlayOptions::default())
            .await
            .unwrap()
            .demuxed()
            .unwrap();
        let mut frames = 0;
        let mut keyframes = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        while tokio::time::Instant::now() < deadline {
            let item = tokio::time::timeout(Duration::from_secs(3), demuxed.next())
                .await
                .unwrap();
            if let Some(Ok(CodecItem::VideoFrame(f))) = item {
                assert!(f.loss() == 0, "{mode:?}: lost packets");
                frames += 1;
                keyframes += usize::from(f.is_random_access_point());
                // AVCC framing: find our SEI among the frame's NAL units
                let data = f.data();
                let mut pos = 0;
                let mut sei = None;
                while pos + 4 <= data.len() {
                    let len = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
                    sei = sei.or(camsim::sei::parse(&data[pos + 4..pos + 4 + len]));
                    pos += 4 + len;
                }
                assert!(
                    sei.is_some(),
                    "{mode:?}: no capture-time SEI in frame {frames}"
                );
            } else {
                panic!("{mode:?}: unexpected item {item:?}");
            }
        }
        assert!(
            (38..=50).contains(&frames),
            "{mode:?}: {frames} frames in 3 s"
        );
        assert!(keyframes >= 2, "{mode:?}: {keyframes} keyframes");
        let params = demuxed.streams()[0].parameters();
        match params {
            Some(retina::codec::ParametersRef::Video(v)) => {
                assert_eq!(v.pixel_dimensions(), (640, 360));
            }
            other => panic!("{mode:?}: {other:?}"),
        }
    }
}
