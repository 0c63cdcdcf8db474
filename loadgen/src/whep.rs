//! A Rust WHEP client (webrtc-rs): what the integration tests and the video benchmark use to watch a
//! camera the way a browser does, and to check what a browser would get: every RTP packet, and the
//! access units reassembled from them (with camsim's capture-time SEI when present).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::ice::mdns::MulticastDnsMode;
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_H264;
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::{RTCRtpCodec, RTCRtpCodecParameters, RtpCodecKind};
use rtc::shared::marshal::MarshalSize;
use tokio::sync::mpsc;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    register_default_interceptors, MediaEngine, PeerConnection, PeerConnectionBuilder,
    PeerConnectionEventHandler, RTCIceGatheringState, RTCSessionDescription, Registry,
    SettingEngineBuilder,
};
use webrtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};

use server::video::packetize::{is_keyframe, Depacketizer};

struct Handler {
    gathered: mpsc::Sender<()>,
    track: mpsc::Sender<Arc<dyn TrackRemote>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.gathered.try_send(());
        }
    }
    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let _ = self.track.try_send(track);
    }
}

/// One receive-only H.264 viewer.
pub struct WhepClient {
    pc: Arc<dyn PeerConnection>,
    tracks: mpsc::Receiver<Arc<dyn TrackRemote>>,
    track: Option<Arc<dyn TrackRemote>>,
    depacketizer: Depacketizer,
    last_seq: Option<u16>,
}

/// One reassembled access unit.
#[derive(Debug)]
pub struct AccessUnit {
    pub nals: Vec<Vec<u8>>,
    pub keyframe: bool,
    pub rtp_ts: u32,
    /// When the last packet arrived.
    pub received: Instant,
}

/// What arrives: a packet (its size on the wire, header included), and an access unit when the
/// packet completed one.
pub struct Received {
    pub packet_bytes: usize,
    pub unit: Option<AccessUnit>,
}

impl WhepClient {
    /// A viewer bound to `bind_ip` with its SDP offer (all candidates included).
    pub async fn offer(bind_ip: std::net::IpAddr) -> Result<(WhepClient, String), String> {
        let err = |e: webrtc::error::Error| e.to_string();
        let mut media = MediaEngine::default();
        media
            .register_codec(
                RTCRtpCodecParameters {
                    rtp_codec: RTCRtpCodec {
                        mime_type: MIME_TYPE_H264.to_owned(),
                        clock_rate: 90_000,
                        channels: 0,
                        sdp_fmtp_line:
                            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
                                .to_owned(),
                        rtcp_feedback: vec![],
                    },
                    payload_type: 96,
                },
                RtpCodecKind::Video,
            )
            .map_err(err)?;
        let registry = register_default_interceptors(Registry::new(), &mut media).map_err(err)?;
        let (gathered_tx, mut gathered) = mpsc::channel(1);
        let (track_tx, tracks) = mpsc::channel(1);
        let handler = Arc::new(Handler {
            gathered: gathered_tx,
            track: track_tx,
        });
        let pc = PeerConnectionBuilder::new()
            .with_media_engine(media)
            .with_interceptor_registry(registry)
            .with_setting_engine(
                SettingEngineBuilder::new()
                    .with_multicast_dns_mode(MulticastDnsMode::Disabled)
                    .build(),
            )
            .with_handler(handler as Arc<dyn PeerConnectionEventHandler>)
            .with_udp_addrs(vec![std::net::SocketAddr::new(bind_ip, 0)])
            .build()
            .await
            .map_err(err)?;
        let pc: Arc<dyn PeerConnection> = Arc::new(pc);
        pc.add_transceiver_from_kind(
            RtpCodecKind::Video,
            Some(RTCRtpTransceiverInit {
                direction: RTCRtpTransceiverDirection::Recvonly,
                ..Default::default()
            }),
        )
        .await
        .map_err(err)?;
        let offer = pc.create_offer(None).await.map_err(err)?;
        pc.set_local_description(offer).await.map_err(err)?;
        let _ = tokio::time::timeout(Duration::from_secs(3), gathered.recv()).await;
        let sdp = pc
            .local_description()
            .await
            .ok_or("no local description")?
            .sdp;
        Ok((
            WhepClient {
                pc,
                tracks,
                track: None,
                depacketizer: Depacketizer::default(),
                last_seq: None,
            },
            sdp,
        ))
    }

    /// Applies the server's SDP answer.
    pub async fn accept(&self, answer: &str) -> Result<(), String> {
        let answer = RTCSessionDescription::answer(answer.to_owned()).map_err(|e| e.to_string())?;
        self.pc
            .set_remote_description(answer)
            .await
            .map_err(|e| e.to_string())
    }

    /// The next RTP packet (None after `within` without one, or when the track ended).
    pub async fn next(&mut self, within: Duration) -> Option<Received> {
        let deadline = tokio::time::Instant::now() + within;
        if self.track.is_none() {
            let track = tokio::time::timeout_at(deadline, self.tracks.recv())
                .await
                .ok()??;
            self.track = Some(track);
        }
        let track = self.track.clone()?;
        loop {
            match tokio::time::timeout_at(deadline, track.poll())
                .await
                .ok()??
            {
                TrackRemoteEvent::OnRtpPacket(p) => return Some(self.take(p)),
                TrackRemoteEvent::OnEnded => return None,
                _ => {}
            }
        }
    }

    fn take(&mut self, p: rtp::Packet) -> Received {
        let packet_bytes = p.marshal_size();
        let seq = p.header.sequence_number;
        if self
            .last_seq
            .is_some_and(|last| seq != last.wrapping_add(1))
        {
            self.depacketizer.lost();
        }
        self.last_seq = Some(seq);
        self.depacketizer.push(&p.payload);
        let unit = p
            .header
            .marker
            .then(|| self.depacketizer.finish())
            .flatten()
            .map(|nals| AccessUnit {
                keyframe: is_keyframe(&nals),
                nals,
                rtp_ts: p.header.timestamp,
                received: Instant::now(),
            });
        Received { packet_bytes, unit }
    }

    pub async fn close(&self) {
        let _ = self.pc.close().await;
    }
}
