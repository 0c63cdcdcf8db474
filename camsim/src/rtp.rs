//! RTP packetization of H.264 (RFC 6184, packetization-mode=1) and RTSP interleaved framing.

use bytes::{BufMut, Bytes, BytesMut};

/// Largest RTP payload camsim emits. Deliberately above typical MTU-sized payloads: many real
/// cameras send ~1400–4000-byte packets over RTSP/TCP, and receivers must cope with them.
pub const MAX_PAYLOAD: usize = 3000;

const PAYLOAD_TYPE: u8 = 96;
const FU_A: u8 = 28;

/// Per-session RTP state: SSRC and the running sequence number.
#[derive(Debug, Clone)]
pub struct Packetizer {
    pub ssrc: u32,
    pub seq: u16,
    pub max_payload: usize,
}

impl Packetizer {
    pub fn new(ssrc: u32, seq: u16) -> Self {
        Self {
            ssrc,
            seq,
            max_payload: MAX_PAYLOAD,
        }
    }

    #[cfg(test)]
    /// Packetizes one access unit: single-NAL packets for NAL units that fit, FU-A fragments for
    /// larger ones; the marker bit is set on the last packet of the access unit.
    pub fn packetize(&mut self, nals: &[Bytes], timestamp: u32) -> Vec<Vec<u8>> {
        let mut packets = Vec::new();
        self.packetize_with(nals, timestamp, |p| packets.push(p.to_vec()));
        packets
    }

    /// Writes one access unit as RTSP interleaved frames (`$`, channel, length, packet) to `out`.
    pub fn write_interleaved(
        &mut self,
        nals: &[Bytes],
        timestamp: u32,
        channel: u8,
        out: &mut BytesMut,
    ) {
        self.packetize_with(nals, timestamp, |p| {
            out.put_u8(b'$');
            out.put_u8(channel);
            // packets are at most 12 + MAX_PAYLOAD bytes, well below u16::MAX
            out.put_u16(p.len() as u16);
            out.put_slice(p);
        });
    }

    fn packetize_with(&mut self, nals: &[Bytes], timestamp: u32, mut emit: impl FnMut(&[u8])) {
        let max = self.max_payload.max(3);
        let mut packet = Vec::with_capacity(12 + max);
        let count = nals.iter().filter(|n| !n.is_empty()).count();
        for (i, nal) in nals.iter().filter(|n| !n.is_empty()).enumerate() {
            let last_nal = i + 1 == count;
            if nal.len() <= max {
                self.header(&mut packet, last_nal, timestamp);
                packet.extend_from_slice(nal);
                emit(&packet);
                continue;
            }
            let header = nal[0];
            let fu_indicator = (header & 0xe0) | FU_A;
            let mut rest = &nal[1..];
            let mut first = true;
            while !rest.is_empty() {
                let take = rest.len().min(max - 2);
                let end = take == rest.len();
                self.header(&mut packet, last_nal && end, timestamp);
                let mut fu_header = header & 0x1f;
                if first {
                    fu_header |= 0x80;
                }
                if end {
                    fu_header |= 0x40;
                }
                packet.push(fu_indicator);
                packet.push(fu_header);
                packet.extend_from_slice(&rest[..take]);
                emit(&packet);
                rest = &rest[take..];
                first = false;
            }
        }
    }

    fn header(&mut self, packet: &mut Vec<u8>, marker: bool, timestamp: u32) {
        packet.clear();
        packet.push(0x80); // version 2, no padding, no extension, no CSRC
        packet.push(PAYLOAD_TYPE | if marker { 0x80 } else { 0 });
        packet.extend_from_slice(&self.seq.to_be_bytes());
        packet.extend_from_slice(&timestamp.to_be_bytes());
        packet.extend_from_slice(&self.ssrc.to_be_bytes());
        self.seq = self.seq.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nal(t: u8, len: usize) -> Bytes {
        let mut v = vec![0x60 | t];
        v.extend((1..len).map(|i| i as u8));
        Bytes::from(v)
    }

    #[test]
    fn small_nals_are_single_packets() {
        let mut p = Packetizer::new(0x1234_5678, 65535);
        let pkts = p.packetize(&[nal(7, 20), nal(8, 4), nal(5, 100)], 9000);
        assert_eq!(pkts.len(), 3);
        assert_eq!(&pkts[0][2..4], &[0xff, 0xff]);
        assert_eq!(&pkts[1][2..4], &[0, 0]); // wraps
        assert_eq!(&pkts[2][4..8], &9000u32.to_be_bytes());
        assert_eq!(&pkts[2][8..12], &0x1234_5678u32.to_be_bytes());
        assert_eq!(
            pkts.iter().map(|p| p[1] & 0x80 != 0).collect::<Vec<_>>(),
            [false, false, true]
        );
        assert_eq!(&pkts[0][12..], &nal(7, 20)[..]);
    }

    #[test]
    fn large_nal_is_fragmented_with_fu_a() {
        let mut p = Packetizer::new(1, 0);
        let big = nal(5, 7000);
        let pkts = p.packetize(&[nal(6, 30), big.clone()], 1);
        // 6999 bytes after the header in 2998-byte pieces: 3 fragments
        assert_eq!(pkts.len(), 4);
        assert!(pkts[1].len() > 1200 && pkts[1].len() == 12 + MAX_PAYLOAD);
        let frags = &pkts[1..];
        for (i, f) in frags.iter().enumerate() {
            assert_eq!(f[12] & 0x1f, 28);
            assert_eq!(f[12] & 0xe0, 0x60); // NRI copied
            assert_eq!(f[13] & 0x1f, 5);
            assert_eq!(f[13] & 0x80 != 0, i == 0, "start bit");
            assert_eq!(f[13] & 0x40 != 0, i == frags.len() - 1, "end bit");
            assert_eq!(f[1] & 0x80 != 0, i == frags.len() - 1, "marker");
        }
        let mut rebuilt = vec![(frags[0][12] & 0xe0) | (frags[0][13] & 0x1f)];
        for f in frags {
            rebuilt.extend_from_slice(&f[14..]);
        }
        assert_eq!(rebuilt, big.to_vec());
    }

    #[test]
    fn interleaved_framing() {
        let mut p = Packetizer::new(1, 0);
        let mut out = BytesMut::new();
        p.write_interleaved(&[nal(1, 10)], 0, 0, &mut out);
        assert_eq!(&out[..4], &[b'$', 0, 0, 22]);
        assert_eq!(out.len(), 4 + 22);
    }
}
