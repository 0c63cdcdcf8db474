//! A deliberately small RTSP/TCP client for the tests: enough to DESCRIBE, SETUP, PLAY and read
//! interleaved RTP, reassembling FU-A so the tests can look at whole NAL units.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
    cseq: u32,
    pub session: Option<String>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One RTP packet as received.
#[derive(Debug, Clone)]
pub struct Rtp {
    pub marker: bool,
    pub seq: u16,
    pub timestamp: u32,
    pub payload: Vec<u8>,
    pub len: usize,
}

/// A reassembled access unit.
#[derive(Debug, Clone)]
pub struct Au {
    pub timestamp: u32,
    pub nals: Vec<Vec<u8>>,
    pub arrived_us: i64,
    pub largest_packet: usize,
}

impl Au {
    pub fn types(&self) -> Vec<u8> {
        self.nals.iter().map(|n| n[0] & 0x1f).collect()
    }
}

impl Client {
    pub async fn connect(addr: std::net::SocketAddr) -> Self {
        Self {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: Vec::new(),
            cseq: 0,
            session: None,
        }
    }

    pub async fn request(&mut self, method: &str, url: &str, extra: &[(&str, &str)]) -> Reply {
        self.cseq += 1;
        let mut req = format!(
            "{method} {url} RTSP/1.0\r\nCSeq: {}\r\nUser-Agent: camsim-test\r\n",
            self.cseq
        );
        if let Some(s) = &self.session {
            req.push_str(&format!("Session: {s}\r\n"));
        }
        for (k, v) in extra {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        self.stream.write_all(req.as_bytes()).await.unwrap();
        loop {
            // skip interleaved data that may precede the reply
            if let Some(len) = self.interleaved_len() {
                if self.buf.len() >= len {
                    self.buf.drain(..len);
                    continue;
                }
            } else if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8(self.buf[..end].to_vec()).unwrap();
                let mut lines = head.split("\r\n");
                let status: u16 = lines
                    .next()
                    .unwrap()
                    .split(' ')
                    .nth(1)
                    .unwrap()
                    .parse()
                    .unwrap();
                let headers: Vec<(String, String)> = lines
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                    .collect();
                let len: usize = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("Content-Length"))
                    .map_or(0, |(_, v)| v.parse().unwrap());
                if self.buf.len() >= end + 4 + len {
                    let body =
                        String::from_utf8(self.buf[end + 4..end + 4 + len].to_vec()).unwrap();
                    self.buf.drain(..end + 4 + len);
                    let reply = Reply {
                        status,
                        headers,
                        body,
                    };
                    if let Some(s) = reply.header("Session") {
                        self.session = Some(s.split(';').next().unwrap().to_string());
                    }
                    return reply;
                }
            }
            let n =
                tokio::time::timeout(Duration::from_secs(10), self.stream.read_buf(&mut self.buf))
                    .await
                    .expect("reply timeout")
                    .unwrap();
            assert!(n > 0, "connection closed while waiting for a reply");
        }
    }

    fn interleaved_len(&self) -> Option<usize> {
        (self.buf.first() == Some(&b'$') && self.buf.len() >= 4)
            .then(|| 4 + usize::from(u16::from_be_bytes([self.buf[2], self.buf[3]])))
    }

    /// DESCRIBE, SETUP (TCP interleaved 0-1), PLAY.
    pub async fn play(&mut self, url: &str) -> Reply {
        let d = self
            .request("DESCRIBE", url, &[("Accept", "application/sdp")])
            .await;
        assert_eq!(d.status, 200, "DESCRIBE {url}: {d:?}");
        let base = d.header("Content-Base").unwrap().to_string();
        let s = self
            .request(
                "SETUP",
                &format!("{base}trackID=0"),
                &[("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")],
            )
            .await;
        assert_eq!(s.status, 200, "SETUP: {s:?}");
        let p = self
            .request("PLAY", &base, &[("Range", "npt=0.000-")])
            .await;
        assert_eq!(p.status, 200, "PLAY: {p:?}");
        d
    }

    /// Next RTP packet on channel 0; None when the server closed the connection.
    pub async fn next_rtp(&mut self) -> Option<Rtp> {
        loop {
            if let Some(len) = self.interleaved_len() {
                if self.buf.len() >= len {
                    let frame: Vec<u8> = self.buf.drain(..len).collect();
                    if frame[1] != 0 {
                        continue;
                    }
                    let p = &frame[4..];
                    return Some(Rtp {
                        marker: p[1] & 0x80 != 0,
                        seq: u16::from_be_bytes([p[2], p[3]]),
                        timestamp: u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
                        payload: p[12..].to_vec(),
                        len: p.len(),
                    });
                }
            } else if !self.buf.is_empty() && self.buf[0] != b'$' {
                panic!(
                    "unexpected data between RTP packets: {:?}",
                    String::from_utf8_lossy(&self.buf)
                );
            }
            match tokio::time::timeout(Duration::from_secs(5), self.stream.read_buf(&mut self.buf))
                .await
            {
                Ok(Ok(0) | Err(_)) => return None,
                Ok(Ok(_)) => {}
                Err(_) => panic!("no RTP data for 5 s"),
            }
        }
    }

    /// Next access unit (packets up to the marker bit), with FU-A reassembled.
    pub async fn next_au(&mut self) -> Option<Au> {
        let mut nals: Vec<Vec<u8>> = Vec::new();
        let mut fu: Option<Vec<u8>> = None;
        let mut largest = 0;
        let mut last_seq: Option<u16> = None;
        loop {
            let p = self.next_rtp().await?;
            if let Some(prev) = last_seq {
                assert_eq!(p.seq, prev.wrapping_add(1), "sequence gap");
            }
            last_seq = Some(p.seq);
            largest = largest.max(p.len);
            match p.payload[0] & 0x1f {
                28 => {
                    let (ind, hdr) = (p.payload[0], p.payload[1]);
                    if hdr & 0x80 != 0 {
                        assert!(fu.is_none(), "FU-A start inside a fragment");
                        fu = Some(vec![(ind & 0xe0) | (hdr & 0x1f)]);
                    }
                    let f = fu.as_mut().expect("FU-A without start");
                    f.extend_from_slice(&p.payload[2..]);
                    if hdr & 0x40 != 0 {
                        nals.push(fu.take().unwrap());
                    }
                }
                1..=23 => nals.push(p.payload.clone()),
                t => panic!("unexpected packet type {t}"),
            }
            if p.marker {
                assert!(fu.is_none(), "marker inside a fragmented NAL");
                return Some(Au {
                    timestamp: p.timestamp,
                    nals,
                    arrived_us: now_us(),
                    largest_packet: largest,
                });
            }
        }
    }
}

/// The `sprop-parameter-sets` of an SDP, decoded.
pub fn sprop(sdp: &str) -> (Vec<u8>, Vec<u8>) {
    use base64::Engine;
    let value = sdp
        .split("sprop-parameter-sets=")
        .nth(1)
        .unwrap()
        .split(['\r', '\n', ';'])
        .next()
        .unwrap();
    let (sps, pps) = value.split_once(',').unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    (b64.decode(sps).unwrap(), b64.decode(pps).unwrap())
}

pub fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64
}

/// Runs ffprobe on a stream and returns its JSON.
pub async fn ffprobe_streams(url: &str) -> serde_json::Value {
    let out = tokio::process::Command::new("ffprobe")
        .args([
            "-rtsp_transport",
            "tcp",
            "-v",
            "error",
            "-show_streams",
            "-of",
            "json",
            url,
        ])
        .output()
        .await
        .expect("ffprobe (Debian package ffmpeg)");
    assert!(
        out.status.success(),
        "ffprobe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Decodes `seconds` of a stream with ffmpeg; returns the number of decoded frames.
pub async fn ffmpeg_decoded_frames(url: &str, seconds: u32) -> u64 {
    let out = tokio::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-nostdin",
            "-rtsp_transport",
            "tcp",
            "-i",
            url,
            "-t",
            &seconds.to_string(),
        ])
        .args(["-f", "null", "-"])
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ffmpeg failed: {err}");
    let last = err.rsplit("frame=").next().unwrap();
    last.split_whitespace().next().unwrap().parse().unwrap()
}

/// The cameras of the real District 1 file.
pub fn district1() -> Vec<camsim::Camera> {
    camsim::cameras_from_geojson(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/district1/cameras.geojson"
    ))
    .unwrap()
}
