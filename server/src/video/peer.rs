//! One viewer's WebRTC peer connection (webrtc-rs 0.21): an H.264-only answerer with one send-only
//! track. Forwarded RTP must carry the payload type the browser chose and the track's own SSRC, or
//! the stack drops it silently; both are read back after negotiation.
//!
//! Settings from `VideoConfig`: the UDP sockets bind to explicit addresses (a bind on 0.0.0.0 would
//! offer no loopback candidate), optionally within a port range (0.21 has no range setting: ports
//! are tried in turn); mDNS is off (it needs a multicast interface); 1:1 NAT addresses replace the
//! private host candidates in the answer (0.21 stores `nat_1to1_ips` but never applies them).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rtc::ice::mdns::MulticastDnsMode;
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_H264;
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters,
    RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::sync::{mpsc, watch};
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::MediaStreamTrack;
use webrtc::peer_connection::{
    register_default_interceptors, MediaEngine, PeerConnection, PeerConnectionBuilder,
    PeerConnectionEventHandler, RTCConfigurationBuilder, RTCIceGatheringState, RTCIceServer,
    RTCPeerConnectionState, RTCSessionDescription, Registry, SettingEngineBuilder,
};

use crate::config::VideoConfig;

/// The answer is sent with the candidates gathered by then (no trickle ICE); without STUN/TURN
/// gathering takes microseconds, an unreachable STUN server would hold it for seconds.
const GATHER_DEADLINE: Duration = Duration::from_secs(3);
/// A connection "disconnected" this long (the viewer went away without a DELETE) is over.
const DISCONNECTED_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub enum PeerError {
    /// The offer is not SDP we can answer: 400.
    BadOffer(String),
    /// The offer has no H.264 video with packetization mode 1: 406.
    NoH264,
    /// Our side failed (sockets, DTLS setup): 503.
    Internal(String),
}

fn h264() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_H264.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
            .to_owned(),
        rtcp_feedback: vec![
            RTCPFeedback {
                typ: "nack".into(),
                parameter: String::new(),
            },
            RTCPFeedback {
                typ: "nack".into(),
                parameter: "pli".into(),
            },
        ],
    }
}

/// Builds peer connections with the configured network settings.
pub struct PeerFactory {
    bind_ips: Vec<std::net::IpAddr>,
    udp_ports: Option<(u16, u16)>,
    /// Where the next viewer starts looking in the port range (an offset into it).
    next_port: AtomicU16,
    nat_ips: Vec<String>,
    ice_servers: Vec<RTCIceServer>,
}

struct Handler {
    gathered: mpsc::Sender<()>,
    state: watch::Sender<RTCPeerConnectionState>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    // handlers run on the connection's driver task: hand off, never block
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.gathered.try_send(());
        }
    }
    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        let _ = self.state.send(state);
    }
}

impl PeerFactory {
    pub fn new(config: &VideoConfig) -> Self {
        let mut ice_servers = Vec::new();
        for url in &config.ice_servers {
            let turn = url.starts_with("turn");
            ice_servers.push(RTCIceServer {
                urls: vec![url.clone()],
                username: turn
                    .then(|| config.turn_username.clone())
                    .flatten()
                    .unwrap_or_default(),
                credential: turn
                    .then(|| config.turn_password.clone())
                    .flatten()
                    .unwrap_or_default(),
            });
        }
        Self {
            bind_ips: config.bind_ips.clone(),
            udp_ports: config.udp_ports,
            next_port: AtomicU16::new(0),
            nat_ips: config.nat_ips.clone(),
            ice_servers,
        }
    }

    async fn build(&self, handler: Arc<Handler>) -> Result<Arc<dyn PeerConnection>, PeerError> {
        let ports: Vec<u16> = match self.udp_ports {
            None => vec![0],
            Some((lo, hi)) => {
                // start where the last viewer left off, so a busy range is not rescanned from its start
                let span = u32::from(hi - lo) + 1;
                let first = u32::from(self.next_port.fetch_add(1, Ordering::Relaxed)) % span;
                (0..span)
                    .map(|i| lo + ((first + i) % span) as u16)
                    .collect()
            }
        };
        let mut last = String::from("no UDP port");
        for port in ports {
            // the builders are consumed by build(): made anew for each attempt
            let mut media = MediaEngine::default();
            media
                .register_codec(
                    RTCRtpCodecParameters {
                        rtp_codec: h264(),
                        payload_type: 102,
                    },
                    RtpCodecKind::Video,
                )
                .map_err(|e| PeerError::Internal(e.to_string()))?;
            let registry = register_default_interceptors(Registry::new(), &mut media)
                .map_err(|e| PeerError::Internal(e.to_string()))?;
            let settings = SettingEngineBuilder::new()
                .with_multicast_dns_mode(MulticastDnsMode::Disabled)
                .build();
            let config = RTCConfigurationBuilder::new()
                .with_ice_servers(self.ice_servers.clone())
                .build();
            let addrs: Vec<SocketAddr> = self
                .bind_ips
                .iter()
                .map(|ip| SocketAddr::new(*ip, port))
                .collect();
            match PeerConnectionBuilder::new()
                .with_configuration(config)
                .with_media_engine(media)
                .with_interceptor_registry(registry)
                .with_setting_engine(settings)
                .with_handler(handler.clone() as Arc<dyn PeerConnectionEventHandler>)
                .with_udp_addrs(addrs)
                .build()
                .await
            {
                Ok(pc) => return Ok(Arc::new(pc)),
                Err(e) => last = e.to_string(),
            }
        }
        Err(PeerError::Internal(format!("no WebRTC socket: {last}")))
    }

    /// Answers a WHEP offer: the peer (ready to send once connected) and the SDP answer.
    pub async fn answer(&self, offer: &str) -> Result<(Arc<Peer>, String), PeerError> {
        check_offer(offer)?;
        let (gathered_tx, mut gathered) = mpsc::channel(1);
        let (state_tx, state) = watch::channel(RTCPeerConnectionState::New);
        let handler = Arc::new(Handler {
            gathered: gathered_tx,
            state: state_tx,
        });
        let pc = self.build(handler).await?;
        let result = self.negotiate(&pc, offer, &mut gathered, state).await;
        if result.is_err() {
            let _ = pc.close().await;
        }
        result
    }

    async fn negotiate(
        &self,
        pc: &Arc<dyn PeerConnection>,
        offer: &str,
        gathered: &mut mpsc::Receiver<()>,
        state: watch::Receiver<RTCPeerConnectionState>,
    ) -> Result<(Arc<Peer>, String), PeerError> {
        let ssrc: u32 = rand::random();
        let track = Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
            "camera".to_owned(),
            "video".to_owned(),
            "video".to_owned(),
            RtpCodecKind::Video,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(ssrc),
                    ..Default::default()
                },
                codec: h264(),
                ..Default::default()
            }],
        )));
        let sender = pc
            .add_track(track.clone() as Arc<dyn TrackLocal>)
            .await
            .map_err(|e| PeerError::Internal(e.to_string()))?;
        let offer = RTCSessionDescription::offer(offer.to_owned())
            .map_err(|e| PeerError::BadOffer(format!("the SDP offer cannot be parsed: {e}")))?;
        pc.set_remote_description(offer)
            .await
            .map_err(|e| PeerError::BadOffer(format!("the SDP offer was refused: {e}")))?;
        let answer = pc
            .create_answer(None)
            .await
            .map_err(|e| PeerError::BadOffer(format!("no answer to this offer: {e}")))?;
        pc.set_local_description(answer)
            .await
            .map_err(|e| PeerError::Internal(e.to_string()))?;
        let params = sender
            .get_parameters()
            .await
            .map_err(|e| PeerError::Internal(e.to_string()))?;
        let pt = params
            .rtp_parameters
            .codecs
            .iter()
            .find(|c| c.rtp_codec.mime_type.eq_ignore_ascii_case(MIME_TYPE_H264))
            .map(|c| c.payload_type)
            .ok_or(PeerError::NoH264)?;
        let _ = tokio::time::timeout(GATHER_DEADLINE, gathered.recv()).await;
        let sdp = pc
            .local_description()
            .await
            .ok_or_else(|| PeerError::Internal("no local description".into()))?
            .sdp;
        let sdp = match self.nat_ips.first() {
            Some(ip) => rewrite_host_candidates(&sdp, ip),
            None => sdp,
        };
        let peer = Arc::new(Peer {
            pc: pc.clone(),
            track,
            pt,
            ssrc,
            seq: AtomicU32::new(u32::from(rand::random::<u16>())),
            state,
        });
        Ok((peer, sdp))
    }
}

/// Refuses what is plainly not a usable offer before any socket is opened.
pub(crate) fn check_offer(offer: &str) -> Result<(), PeerError> {
    if !offer.trim_start().starts_with("v=0") {
        return Err(PeerError::BadOffer(
            "the body is not an SDP offer (it must start with v=0)".into(),
        ));
    }
    if !offer.lines().any(|l| l.starts_with("m=video")) {
        return Err(PeerError::BadOffer(
            "the SDP offer has no video section".into(),
        ));
    }
    let h264 = offer
        .lines()
        .any(|l| l.starts_with("a=rtpmap:") && l.to_ascii_uppercase().contains(" H264/90000"));
    if !h264 {
        return Err(PeerError::NoH264);
    }
    Ok(())
}

/// Announces the public address instead of each private (non-loopback) host candidate.
fn rewrite_host_candidates(sdp: &str, public_ip: &str) -> String {
    sdp.split_inclusive('\n')
        .map(|line| {
            let mut f: Vec<&str> = line.split(' ').collect();
            let host = line.starts_with("a=candidate:") && line.contains(" typ host");
            if host && f.len() > 5 && !f[4].starts_with("127.") && f[4] != "::1" {
                f[4] = public_ip;
                f.join(" ")
            } else {
                line.to_owned()
            }
        })
        .collect()
}

/// One viewer's connection and its send-only H.264 track.
pub struct Peer {
    pc: Arc<dyn PeerConnection>,
    track: Arc<TrackLocalStaticRTP>,
    pt: u8,
    ssrc: u32,
    seq: AtomicU32,
    state: watch::Receiver<RTCPeerConnectionState>,
}

impl Peer {
    /// Waits until ICE and DTLS are up (false on failure or timeout).
    pub async fn connected(&self, within: Duration) -> bool {
        let mut state = self.state.clone();
        let settled = tokio::time::timeout(
            within,
            state.wait_for(|s| {
                matches!(
                    s,
                    RTCPeerConnectionState::Connected
                        | RTCPeerConnectionState::Failed
                        | RTCPeerConnectionState::Closed
                )
            }),
        )
        .await
        .ok()
        .and_then(Result::ok)
        .map(|s| *s);
        settled == Some(RTCPeerConnectionState::Connected)
    }

    /// Resolves when the connection is over: failed, closed, or disconnected for a few seconds
    /// (a browser tab closed without a DELETE sends nothing; ICE notices within seconds).
    pub async fn closed(&self) {
        let mut state = self.state.clone();
        loop {
            let down = state
                .wait_for(|s| {
                    matches!(
                        s,
                        RTCPeerConnectionState::Disconnected
                            | RTCPeerConnectionState::Failed
                            | RTCPeerConnectionState::Closed
                    )
                })
                .await
                .map(|s| *s);
            match down {
                Err(_) | Ok(RTCPeerConnectionState::Failed | RTCPeerConnectionState::Closed) => {
                    return
                }
                Ok(_) => {
                    let back = tokio::time::timeout(
                        DISCONNECTED_GRACE,
                        state.wait_for(|s| *s == RTCPeerConnectionState::Connected),
                    )
                    .await;
                    if !matches!(back, Ok(Ok(_))) {
                        return;
                    }
                }
            }
        }
    }

    /// Sends one RTP payload on the viewer's own sequence numbers, with the negotiated payload type
    /// and the track's SSRC.
    pub async fn send(
        &self,
        marker: bool,
        timestamp: u32,
        payload: &Bytes,
    ) -> Result<(), webrtc::error::Error> {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) as u16;
        let packet = rtp::Packet {
            header: rtp::Header {
                version: 2,
                marker,
                payload_type: self.pt,
                sequence_number: seq,
                timestamp,
                ssrc: self.ssrc,
                ..Default::default()
            },
            payload: payload.clone(),
        };
        self.track.write_rtp(packet).await
    }

    pub async fn close(&self) {
        let _ = self.pc.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_are_checked_before_any_socket_is_opened() {
        assert!(matches!(check_offer("hello"), Err(PeerError::BadOffer(_))));
        assert!(matches!(
            check_offer("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"),
            Err(PeerError::BadOffer(_))
        ));
        assert!(matches!(
            check_offer("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"),
            Err(PeerError::NoH264)
        ));
        assert!(
            check_offer("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\n")
                .is_ok()
        );
    }

    #[test]
    fn nat_addresses_replace_private_host_candidates_only() {
        let sdp = "a=candidate:1 1 udp 2130706431 10.0.0.5 40000 typ host\r\n\
                   a=candidate:2 1 udp 2130706431 127.0.0.1 40001 typ host\r\n";
        let out = rewrite_host_candidates(sdp, "203.0.113.7");
        assert!(out.contains("203.0.113.7 40000 typ host"));
        assert!(out.contains("127.0.0.1 40001 typ host"));
        assert!(!out.contains("10.0.0.5"));
    }
}
