//! Capture-time SEI: every access unit camsim sends carries one "user data unregistered" SEI
//! message (payload type 5) with the wall-clock time at which camsim handed the frame to the RTP
//! sender and the camera's frame counter. A WebRTC client (or the server's benchmark) that finds
//! this NAL unit can measure glass-to-glass latency without decoding any video.
//!
//! Payload layout (28 bytes): [`UUID`] (16), capture time in µs since the Unix epoch (i64 BE, 8),
//! frame counter (u32 BE, 4).

/// Identifies camsim's capture-time SEI among other user-data SEIs (x264 writes its own).
/// Random bytes chosen once for the ioc-map project; never change them, clients match on them.
pub const UUID: [u8; 16] = [
    0x8f, 0x3c, 0x1a, 0x6e, 0x52, 0xd4, 0x4b, 0x97, 0xa1, 0x0e, 0x7c, 0x29, 0xb5, 0x63, 0xe8, 0x04,
];

/// NAL unit type of SEI.
const NAL_SEI: u8 = 6;
/// SEI payload type "user data unregistered".
const USER_DATA_UNREGISTERED: u32 = 5;
const PAYLOAD_LEN: usize = 16 + 8 + 4;

/// Builds the complete SEI NAL unit (header byte included, emulation prevention applied, no start
/// code) for one frame.
pub fn build(capture_us: i64, frame: u32) -> Vec<u8> {
    let mut rbsp = Vec::with_capacity(2 + PAYLOAD_LEN + 1);
    rbsp.push(USER_DATA_UNREGISTERED as u8);
    rbsp.push(PAYLOAD_LEN as u8);
    rbsp.extend_from_slice(&UUID);
    rbsp.extend_from_slice(&capture_us.to_be_bytes());
    rbsp.extend_from_slice(&frame.to_be_bytes());
    rbsp.push(0x80); // rbsp_trailing_bits: stop bit + alignment
    let mut nal = Vec::with_capacity(rbsp.len() + 8);
    nal.push(NAL_SEI); // forbidden_zero_bit 0, nal_ref_idc 0, type 6
    escape_into(&rbsp, &mut nal);
    nal
}

/// Parses a NAL unit (header byte included, emulation prevention still applied, no start code).
/// Returns `(capture_us, frame)` if it is an SEI containing camsim's user-data message.
pub fn parse(nal: &[u8]) -> Option<(i64, u32)> {
    let (&header, body) = nal.split_first()?;
    if header & 0x1f != NAL_SEI {
        return None;
    }
    let rbsp = unescape(body);
    let mut pos = 0;
    // An SEI NAL may hold several messages; walk them until the trailing bits.
    while pos < rbsp.len() && rbsp[pos] != 0x80 {
        let payload_type = read_sei_number(&rbsp, &mut pos)?;
        let size = read_sei_number(&rbsp, &mut pos)? as usize;
        let payload = rbsp.get(pos..pos.checked_add(size)?)?;
        pos += size;
        if payload_type == USER_DATA_UNREGISTERED && size >= PAYLOAD_LEN && payload[..16] == UUID {
            let capture_us = i64::from_be_bytes(payload[16..24].try_into().ok()?);
            let frame = u32::from_be_bytes(payload[24..28].try_into().ok()?);
            return Some((capture_us, frame));
        }
    }
    None
}

/// SEI type and size are coded as a run of 0xFF bytes plus a final byte, all summed.
fn read_sei_number(data: &[u8], pos: &mut usize) -> Option<u32> {
    let mut value = 0u32;
    loop {
        let b = *data.get(*pos)?;
        *pos += 1;
        value = value.checked_add(u32::from(b))?;
        if b != 0xff {
            return Some(value);
        }
    }
}

/// Inserts emulation prevention bytes (00 00 0x with x <= 3 becomes 00 00 03 0x) so that the
/// payload never contains a start code.
pub fn escape_into(rbsp: &[u8], out: &mut Vec<u8>) {
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
}

/// Removes emulation prevention bytes (the 03 in 00 00 03).
pub fn unescape(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut zeros = 0;
    for &b in data {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        out.push(b);
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let nal = build(1_767_225_600_123_456, 42);
        assert_eq!(nal[0], 6);
        assert_eq!(parse(&nal), Some((1_767_225_600_123_456, 42)));
    }

    #[test]
    fn emulation_prevention_is_applied_and_removed() {
        // Zero time and small frame numbers put long runs of zero bytes into the payload.
        for (t, f) in [
            (0i64, 0u32),
            (1, 2),
            (0x0000_0003_0000_0100, 3),
            (-1, u32::MAX),
        ] {
            let nal = build(t, f);
            assert!(
                !nal.windows(3).any(|w| w[0] == 0 && w[1] == 0 && w[2] <= 2),
                "start code emulation in {nal:02x?}"
            );
            assert_eq!(parse(&nal), Some((t, f)));
        }
        assert!(build(0, 0).windows(3).any(|w| w == [0, 0, 3]));
    }

    #[test]
    fn rejects_other_nals_and_uuids() {
        let mut nal = build(5, 6);
        assert_eq!(parse(&[0x65, 1, 2, 3]), None);
        assert_eq!(parse(&[]), None);
        nal[3] ^= 0xff; // corrupt the UUID
        assert_eq!(parse(&nal), None);
    }

    #[test]
    fn finds_message_after_another_sei_message() {
        // A recovery-point SEI (type 6, 1 byte) before ours in the same NAL unit.
        let ours = build(77, 8);
        let mut rbsp = vec![6, 1, 0x84];
        rbsp.extend_from_slice(&unescape(&ours[1..]));
        let mut nal = vec![6];
        escape_into(&rbsp, &mut nal);
        assert_eq!(parse(&nal), Some((77, 8)));
    }
}
