//! H.264 access units → RTP payloads that fit WebRTC's ≈1200-byte budget (RFC 6184).
//!
//! Cameras may send RTP packets of any size over TCP, so the camera's packets are never forwarded as
//! they are: each access unit is split into its NAL units and re-packetized here, once per frame, and
//! the payloads are shared by every viewer (only the 12-byte RTP header differs per viewer).

use bytes::{Bytes, BytesMut};

/// Largest RTP packet a viewer receives, header included.
pub const MAX_RTP_PACKET: usize = 1200;
/// Room kept for the fixed header (12 bytes) and header extensions the WebRTC stack may add.
pub const MAX_PAYLOAD: usize = MAX_RTP_PACKET - 12 - 28;

const NAL_AUD: u8 = 9;
const FU_A: u8 = 28;

/// Splits an AVCC access unit (NAL units each behind a 4-byte big-endian length) into its NAL units.
/// A length running past the end is an error: the frame is dropped rather than sent half.
pub fn avcc_nals(data: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut nals = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(format!(
                "{} trailing bytes after the last NAL unit",
                rest.len()
            ));
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let body = rest
            .get(4..4 + len)
            .ok_or_else(|| format!("NAL length {len} runs past the frame end"))?;
        if !body.is_empty() {
            nals.push(body);
        }
        rest = &rest[4 + len..];
    }
    Ok(nals)
}

/// RTP payloads of one access unit, in order; the last one carries the marker bit.
/// Access unit delimiters are dropped (they carry nothing a decoder needs over RTP).
pub fn payloads(nals: &[&[u8]]) -> Vec<Bytes> {
    let mut out = Vec::new();
    for nal in nals.iter().filter(|n| n[0] & 0x1f != NAL_AUD) {
        if nal.len() <= MAX_PAYLOAD {
            out.push(Bytes::copy_from_slice(nal));
            continue;
        }
        // FU-A: indicator keeps F and NRI with type 28; the FU header carries start/end and the type.
        let indicator = (nal[0] & 0xe0) | FU_A;
        let kind = nal[0] & 0x1f;
        let body = &nal[1..];
        let chunk = MAX_PAYLOAD - 2;
        let count = body.len().div_ceil(chunk);
        for (i, part) in body.chunks(chunk).enumerate() {
            let mut header = kind;
            if i == 0 {
                header |= 0x80;
            }
            if i + 1 == count {
                header |= 0x40;
            }
            let mut p = BytesMut::with_capacity(part.len() + 2);
            p.extend_from_slice(&[indicator, header]);
            p.extend_from_slice(part);
            out.push(p.freeze());
        }
    }
    out
}

/// Reassembles RTP payloads of one access unit back into NAL units (the inverse of [`payloads`]);
/// used by the WHEP test client and the benchmark to check what a browser would decode.
#[derive(Default)]
pub struct Depacketizer {
    nals: Vec<Vec<u8>>,
    fragment: Option<Vec<u8>>,
    /// Set when a fragment went missing: the access unit is incomplete.
    pub broken: bool,
}

impl Depacketizer {
    pub fn push(&mut self, payload: &[u8]) {
        let Some(&first) = payload.first() else {
            return;
        };
        match first & 0x1f {
            FU_A if payload.len() >= 2 => {
                let header = payload[1];
                if header & 0x80 != 0 {
                    let mut nal = vec![(first & 0xe0) | (header & 0x1f)];
                    nal.extend_from_slice(&payload[2..]);
                    self.fragment = Some(nal);
                } else if let Some(f) = self.fragment.as_mut() {
                    f.extend_from_slice(&payload[2..]);
                } else {
                    self.broken = true;
                }
                if header & 0x40 != 0 {
                    if let Some(f) = self.fragment.take() {
                        self.nals.push(f);
                    }
                }
            }
            // STAP-A: several small NAL units, each behind a 2-byte length
            24 => {
                let mut rest = &payload[1..];
                while rest.len() >= 2 {
                    let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
                    let Some(nal) = rest.get(2..2 + len) else {
                        self.broken = true;
                        break;
                    };
                    self.nals.push(nal.to_vec());
                    rest = &rest[2 + len..];
                }
            }
            _ => self.nals.push(payload.to_vec()),
        }
    }

    /// A packet of this access unit never arrived (a gap in the RTP sequence numbers).
    pub fn lost(&mut self) {
        self.broken = true;
    }

    /// Ends the access unit (on the marker bit): its NAL units, or `None` when a part was lost.
    pub fn finish(&mut self) -> Option<Vec<Vec<u8>>> {
        let broken = std::mem::take(&mut self.broken) || self.fragment.take().is_some();
        let nals = std::mem::take(&mut self.nals);
        (!broken && !nals.is_empty()).then_some(nals)
    }
}

/// True when the NAL units hold an IDR slice (a keyframe a decoder can start from).
pub fn is_keyframe<T: AsRef<[u8]>>(nals: &[T]) -> bool {
    nals.iter()
        .any(|n| n.as_ref().first().is_some_and(|b| b & 0x1f == 5))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avcc(nals: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for n in nals {
            out.extend_from_slice(&(n.len() as u32).to_be_bytes());
            out.extend_from_slice(n);
        }
        out
    }

    #[test]
    fn large_nal_units_are_fragmented_and_reassemble_exactly() {
        let sps = vec![0x67, 0x42, 0xe0, 0x1f];
        let pps = vec![0x68, 0xce, 0x3c, 0x80];
        let aud = vec![0x09, 0xf0];
        let idr: Vec<u8> = std::iter::once(0x65)
            .chain((0..5000).map(|i| (i % 251) as u8))
            .collect();
        let frame = avcc(&[aud, sps.clone(), pps.clone(), idr.clone()]);
        let nals = avcc_nals(&frame).expect("well-formed");
        let out = payloads(&nals);
        assert!(out.iter().all(|p| p.len() + 12 <= MAX_RTP_PACKET));
        assert_eq!(out.len(), 2 + 5000usize.div_ceil(MAX_PAYLOAD - 2));
        assert_eq!(out[2][0] & 0x1f, FU_A);
        assert_eq!(out[2][1], 0x80 | 5, "first fragment has the start bit");
        assert_eq!(
            out.last().expect("some")[1],
            0x40 | 5,
            "last has the end bit"
        );

        let mut d = Depacketizer::default();
        for p in &out {
            d.push(p);
        }
        let back = d.finish().expect("complete");
        assert_eq!(back, vec![sps, pps, idr]);
        assert!(is_keyframe(&back));
    }

    #[test]
    fn a_lost_fragment_breaks_only_its_access_unit() {
        let big: Vec<u8> = std::iter::once(0x41)
            .chain(std::iter::repeat_n(7u8, 3000))
            .collect();
        let out = payloads(&[&big]);
        let mut d = Depacketizer::default();
        // the start fragment went missing (a gap in the middle is seen by the receiver's sequence
        // numbers, see `lost`)
        d.push(&out[1]);
        d.push(&out[2]);
        assert!(d.finish().is_none());
        d.push(&out[0]);
        d.lost();
        d.push(&out[2]);
        assert!(d.finish().is_none());
        for p in &out {
            d.push(p);
        }
        assert_eq!(d.finish().expect("complete"), vec![big]);
    }

    #[test]
    fn truncated_frames_are_refused() {
        assert!(avcc_nals(&[0, 0, 0, 9, 1, 2]).is_err());
        assert!(avcc_nals(&[0, 0]).is_err());
    }
}
