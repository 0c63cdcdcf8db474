//! The RTSP 1.0 server: one task per TCP connection, one session per connection, RTP over the
//! same TCP connection (interleaved). UDP transport is refused with 461 because the clients that
//! matter here (ffmpeg, VLC, retina, the ioc-map server) all speak TCP interleaved.

mod message;

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine;
use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};

use crate::hub::{Attachment, Frame, Hub, Unavailable, Viewer};
use crate::rtp::Packetizer;
use message::{split_uri, Parsed, Request, Response};

/// Session timeout announced to clients; they send a keep-alive (GET_PARAMETER or RTCP) before.
const SESSION_TIMEOUT_S: u32 = 60;
const TRACK: &str = "trackID=0";

/// Accepts connections until `shutdown` changes or its sender is dropped.
pub async fn serve(listener: TcpListener, hub: Arc<Hub>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let conn = Connection { hub: hub.clone(), session: None, peer };
                    tokio::spawn(conn.run(stream, shutdown.clone()));
                }
                Err(e) => {
                    // e.g. out of file descriptors: back off instead of spinning
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
    }
}

struct Session {
    id: String,
    camera: String,
    channel: u8,
    packetizer: Packetizer,
    /// Random offset added to the 90 kHz wall-clock timestamp, per RFC 3550's advice.
    ts_offset: u32,
    attachment: Attachment,
    viewer: Option<Viewer>,
    /// New viewers (and lagging ones) start at the next IDR so they can decode at once.
    waiting_for_key: bool,
}

impl Session {
    fn timestamp(&self, capture_us: i64) -> u32 {
        // 90 kHz clock from the capture time; wraps like every RTP timestamp
        ((capture_us * 9 / 100) as u32).wrapping_add(self.ts_offset)
    }
}

enum SessionEvent {
    Frame(Arc<Frame>),
    Lagged,
    CameraStopped,
}

async fn session_event(session: &mut Option<Session>) -> SessionEvent {
    let Some(s) = session.as_mut() else {
        return std::future::pending().await;
    };
    let stopped = &mut s.attachment.stopped;
    match s.viewer.as_mut() {
        Some(viewer) => tokio::select! {
            frame = viewer.frames.recv() => match frame {
                Ok(f) => SessionEvent::Frame(f),
                Err(broadcast::error::RecvError::Lagged(_)) => SessionEvent::Lagged,
                Err(broadcast::error::RecvError::Closed) => SessionEvent::CameraStopped,
            },
            _ = stopped.changed() => SessionEvent::CameraStopped,
        },
        None => {
            let _ = stopped.changed().await;
            SessionEvent::CameraStopped
        }
    }
}

struct Connection {
    hub: Arc<Hub>,
    session: Option<Session>,
    peer: SocketAddr,
}

impl Connection {
    async fn run(mut self, mut stream: TcpStream, mut shutdown: watch::Receiver<bool>) {
        let local = stream.local_addr().ok();
        let mut input = BytesMut::with_capacity(4096);
        let mut output = BytesMut::with_capacity(64 * 1024);
        loop {
            tokio::select! {
                read = stream.read_buf(&mut input) => {
                    match read {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    match self.handle_input(&mut input, local) {
                        Ok(replies) => {
                            if stream.write_all(&replies).await.is_err() {
                                break;
                            }
                        }
                        Err(replies) => {
                            let _ = stream.write_all(&replies).await;
                            break;
                        }
                    }
                }
                event = session_event(&mut self.session) => match event {
                    SessionEvent::Frame(frame) => {
                        if !self.packetize(&frame, &mut output) {
                            continue;
                        }
                        if stream.write_all(&output).await.is_err() {
                            break;
                        }
                        output.clear();
                    }
                    SessionEvent::Lagged => {
                        if let Some(s) = self.session.as_mut() {
                            s.waiting_for_key = true;
                        }
                    }
                    SessionEvent::CameraStopped => {
                        tracing::info!(peer = %self.peer, "camera stopped, closing connection");
                        break;
                    }
                },
                _ = shutdown.changed() => break,
            }
        }
        // dropping the session releases its viewer and attachment
    }

    /// Writes one frame's interleaved RTP packets into `out`; false if the frame is skipped.
    fn packetize(&mut self, frame: &Frame, out: &mut BytesMut) -> bool {
        let Some(s) = self.session.as_mut() else {
            return false;
        };
        if s.waiting_for_key && !frame.keyframe {
            return false;
        }
        s.waiting_for_key = false;
        let ts = s.timestamp(frame.capture_us);
        s.packetizer
            .write_interleaved(&frame.nals, ts, s.channel, out);
        true
    }

    /// Handles every complete request in `input`. Err carries a final reply after which the
    /// connection is closed.
    fn handle_input(
        &mut self,
        input: &mut BytesMut,
        local: Option<SocketAddr>,
    ) -> Result<Vec<u8>, Vec<u8>> {
        let mut replies = Vec::new();
        loop {
            match message::parse(input) {
                Ok(Parsed::Incomplete) => return Ok(replies),
                Ok(Parsed::Interleaved(len)) => {
                    // RTCP receiver reports from the client: not needed
                    let _ = input.split_to(len);
                }
                Ok(Parsed::Request(req, len)) => {
                    let _ = input.split_to(len);
                    tracing::debug!(peer = %self.peer, method = %req.method, uri = %req.uri, "request");
                    let response = self.handle(&req, local);
                    replies.extend_from_slice(&response.to_bytes(req.cseq()));
                }
                Err(message::BadRequest(why)) => {
                    tracing::debug!(peer = %self.peer, "bad request: {why}");
                    replies.extend_from_slice(&Response::new(400).to_bytes(None));
                    return Err(replies);
                }
            }
        }
    }

    fn handle(&mut self, req: &Request, local: Option<SocketAddr>) -> Response {
        if let (Some(s), Some(given)) = (&self.session, req.session()) {
            if s.id != given {
                return Response::new(454);
            }
        }
        let (base, segments) = split_uri(&req.uri);
        let camera = segments.first().map(String::as_str).unwrap_or_default();
        match req.method.as_str() {
            "OPTIONS" => Response::new(200).header(
                "Public",
                "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER",
            ),
            "DESCRIBE" => match self.hub.check(camera) {
                Ok(()) => self.describe(&base, camera, local),
                Err(e) => unavailable(e),
            },
            "SETUP" => self.setup(req, camera),
            "PLAY" => self.play(&base),
            "PAUSE" => match self.session.as_mut() {
                Some(s) => {
                    s.viewer = None;
                    Response::new(200).header("Session", s.id.clone())
                }
                None => Response::new(454),
            },
            "TEARDOWN" => {
                self.session = None;
                Response::new(200)
            }
            "GET_PARAMETER" | "SET_PARAMETER" => match &self.session {
                Some(s) => Response::new(200).header("Session", s.id.clone()),
                None => Response::new(200),
            },
            _ => Response::new(501),
        }
    }

    fn describe(&self, base: &str, camera: &str, local: Option<SocketAddr>) -> Response {
        let Some(cam) = self.hub.camera(camera) else {
            return Response::new(404);
        };
        let ps = &self.hub.clip.params;
        let b64 = base64::engine::general_purpose::STANDARD;
        let ip = local.map_or_else(|| "127.0.0.1".to_string(), |a| a.ip().to_string());
        let family = if ip.contains(':') { "IP6" } else { "IP4" };
        let sdp = format!(
            "v=0\r\no=- {sid} 1 IN {family} {ip}\r\ns={name}\r\nc=IN {family} {any}\r\nt=0 0\r\n\
             a=tool:camsim\r\na=control:*\r\na=range:npt=now-\r\n\
             m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
             a=fmtp:96 packetization-mode=1;profile-level-id={plid};sprop-parameter-sets={sps},{pps}\r\n\
             a=framerate:{fps}\r\na=control:{TRACK}\r\n",
            sid = rand::random::<u32>(),
            name = cam.name.replace(['\r', '\n'], " "),
            any = if family == "IP6" { "::" } else { "0.0.0.0" },
            plid = ps.profile_level_id(),
            sps = b64.encode(&ps.sps),
            pps = b64.encode(&ps.pps),
            fps = crate::encoder::FPS,
        );
        Response::new(200)
            .header("Content-Base", format!("{base}/{camera}/"))
            .body("application/sdp", sdp.into_bytes())
    }

    fn setup(&mut self, req: &Request, camera: &str) -> Response {
        if let Some(s) = &self.session {
            if s.camera != camera {
                return Response::new(459);
            }
        }
        if let Err(e) = self.hub.check(camera) {
            return unavailable(e);
        }
        let Some(channel) = req.header("Transport").and_then(tcp_channel) else {
            return Response::new(461);
        };
        if self.session.is_none() {
            let attachment = match self.hub.attach(camera) {
                Ok(a) => a,
                Err(e) => return unavailable(e),
            };
            self.session = Some(Session {
                id: format!("{:016X}", rand::random::<u64>()),
                camera: camera.to_string(),
                channel,
                packetizer: Packetizer::new(rand::random(), rand::random()),
                ts_offset: rand::random(),
                attachment,
                viewer: None,
                waiting_for_key: true,
            });
        }
        let Some(s) = self.session.as_mut() else {
            return Response::new(500);
        };
        s.channel = channel;
        Response::new(200)
            .header(
                "Transport",
                format!(
                    "RTP/AVP/TCP;unicast;interleaved={}-{};ssrc={:08X}",
                    channel,
                    channel.wrapping_add(1),
                    s.packetizer.ssrc
                ),
            )
            .header("Session", format!("{};timeout={SESSION_TIMEOUT_S}", s.id))
    }

    fn play(&mut self, base: &str) -> Response {
        let Some(s) = self.session.as_mut() else {
            return Response::new(454);
        };
        if s.viewer.is_none() {
            match self.hub.subscribe(&s.camera) {
                Ok(v) => s.viewer = Some(v),
                Err(e) => return unavailable(e),
            }
            s.waiting_for_key = true;
        }
        let now_ts = s.timestamp(chrono::Utc::now().timestamp_micros());
        Response::new(200)
            .header("Session", s.id.clone())
            .header("Range", "npt=now-")
            .header(
                "RTP-Info",
                format!(
                    "url={base}/{}/{TRACK};seq={};rtptime={now_ts}",
                    s.camera, s.packetizer.seq
                ),
            )
    }
}

fn unavailable(e: Unavailable) -> Response {
    match e {
        Unavailable::NotFound => Response::new(404),
        Unavailable::Stopped => Response::new(503),
    }
}

/// The first interleaved channel of the first TCP option in a Transport header.
fn tcp_channel(transport: &str) -> Option<u8> {
    transport.split(',').find_map(|spec| {
        let mut params = spec.split(';').map(str::trim);
        let proto = params.next()?;
        if !proto.eq_ignore_ascii_case("RTP/AVP/TCP") {
            return None;
        }
        let channel = params
            .find_map(|p| p.strip_prefix("interleaved="))
            .map(|range| range.split('-').next().and_then(|c| c.parse::<u8>().ok()));
        match channel {
            Some(parsed) => parsed,
            None => Some(0),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::tcp_channel;

    #[test]
    fn transport_selection() {
        assert_eq!(tcp_channel("RTP/AVP/TCP;unicast;interleaved=0-1"), Some(0));
        assert_eq!(tcp_channel("RTP/AVP;unicast;client_port=5000-5001"), None);
        assert_eq!(
            tcp_channel(
                "RTP/AVP;unicast;client_port=5000-5001,RTP/AVP/TCP;unicast;interleaved=2-3"
            ),
            Some(2)
        );
        assert_eq!(tcp_channel("RTP/AVP/TCP;unicast"), Some(0));
    }
}
