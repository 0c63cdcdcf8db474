//! Annex B parsing of ffmpeg's raw H.264 output into NAL units and access units.

use bytes::{Bytes, BytesMut};

pub const NAL_SLICE: u8 = 1;
pub const NAL_IDR: u8 = 5;
pub const NAL_SEI: u8 = 6;
pub const NAL_SPS: u8 = 7;
pub const NAL_PPS: u8 = 8;
pub const NAL_AUD: u8 = 9;

pub fn nal_type(nal: &[u8]) -> u8 {
    nal.first().map_or(0, |h| h & 0x1f)
}

/// True for coded slice NAL units (types 1 to 5).
pub fn is_slice(nal: &[u8]) -> bool {
    (NAL_SLICE..=NAL_IDR).contains(&nal_type(nal))
}

/// One coded picture as camsim sends it: NAL units without start codes, without AUDs.
#[derive(Debug, Clone)]
pub struct AccessUnit {
    pub nals: Vec<Bytes>,
    pub keyframe: bool,
}

impl AccessUnit {
    /// Builds an access unit from encoder NAL units, dropping AUDs and the encoder's own SEIs
    /// (x264 writes its version banner as SEI; camsim adds its capture-time SEI per frame).
    pub fn from_nals(nals: impl IntoIterator<Item = Bytes>) -> Option<Self> {
        let nals: Vec<Bytes> = nals
            .into_iter()
            .filter(|n| !n.is_empty() && !matches!(nal_type(n), NAL_AUD | NAL_SEI))
            .collect();
        if !nals.iter().any(|n| is_slice(n)) {
            return None;
        }
        let keyframe = nals.iter().any(|n| nal_type(n) == NAL_IDR);
        Some(Self { nals, keyframe })
    }

    /// The NAL units to send for one frame: `sei` goes right before the first slice.
    pub fn with_sei(&self, sei: Bytes) -> Vec<Bytes> {
        let mut out = Vec::with_capacity(self.nals.len() + 1);
        let mut sei = Some(sei);
        for nal in &self.nals {
            if is_slice(nal) {
                if let Some(s) = sei.take() {
                    out.push(s);
                }
            }
            out.push(nal.clone());
        }
        out
    }
}

/// Finds the next 00 00 01 at or after `from`; returns its index.
fn find_start_code(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 3 <= data.len() {
        match data[i + 2] {
            // 00 00 01 ends here
            1 if data[i] == 0 && data[i + 1] == 0 => return Some(i),
            // the window can skip past a byte that is neither 0 nor the 1 we look for
            0 => i += 1,
            _ => i += 3,
        }
    }
    None
}

/// Removes the zero bytes that precede a 4-byte start code (or trail the stream).
fn trim_trailing_zeros(data: &[u8]) -> &[u8] {
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    &data[..end]
}

/// Splits a complete Annex B byte stream into NAL units.
pub fn split_annexb(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let Some(mut start) = find_start_code(data, 0) else {
        return out;
    };
    loop {
        let body = start + 3;
        match find_start_code(data, body) {
            Some(next) => {
                let nal = trim_trailing_zeros(&data[body..next]);
                if !nal.is_empty() {
                    out.push(nal);
                }
                start = next;
            }
            None => {
                let nal = trim_trailing_zeros(&data[body..]);
                if !nal.is_empty() {
                    out.push(nal);
                }
                return out;
            }
        }
    }
}

/// Groups a complete Annex B stream (the start-up clip) into access units. Relies on the AUDs
/// (`-x264-params aud=1`) that start every access unit.
pub fn access_units(data: &[u8]) -> Vec<AccessUnit> {
    let mut out = Vec::new();
    let mut current: Vec<Bytes> = Vec::new();
    for nal in split_annexb(data) {
        if nal_type(nal) == NAL_AUD && !current.is_empty() {
            out.extend(AccessUnit::from_nals(current.drain(..)));
        }
        current.push(Bytes::copy_from_slice(nal));
    }
    out.extend(AccessUnit::from_nals(current));
    out
}

/// Incremental Annex B splitter for the live ffmpeg pipe. A NAL unit is complete when the next
/// start code arrives, or when the caller decides the stream went idle ([`Self::flush`]): x264 with
/// `tune=zerolatency` writes one slice per frame and nothing after it until the next frame, 66 ms
/// later, so waiting for the next start code would add a frame of latency.
#[derive(Default)]
pub struct AnnexBSplitter {
    buf: BytesMut,
}

impl AnnexBSplitter {
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Returns the next NAL unit that is followed by a start code.
    pub fn next_nal(&mut self) -> Option<Bytes> {
        let start = find_start_code(&self.buf, 0)?;
        let next = find_start_code(&self.buf, start + 3)?;
        let chunk = self.buf.split_to(next).freeze();
        let nal = trim_trailing_zeros(&chunk[start + 3..]).len();
        Some(chunk.slice(start + 3..start + 3 + nal))
    }

    /// Returns the buffered tail as a NAL unit, assuming the writer has finished it.
    pub fn flush(&mut self) -> Option<Bytes> {
        let start = find_start_code(&self.buf, 0)?;
        let chunk = self.buf.split().freeze();
        let nal = trim_trailing_zeros(&chunk[start + 3..]).len();
        (nal > 0).then(|| chunk.slice(start + 3..start + 3 + nal))
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// SPS and PPS for the SDP (`sprop-parameter-sets`, `profile-level-id`).
#[derive(Debug, Clone)]
pub struct ParameterSets {
    pub sps: Bytes,
    pub pps: Bytes,
}

impl ParameterSets {
    pub fn from_access_unit(au: &AccessUnit) -> Option<Self> {
        let find = |t| au.nals.iter().find(|n| nal_type(n) == t).cloned();
        Some(Self {
            sps: find(NAL_SPS)?,
            pps: find(NAL_PPS)?,
        })
    }

    /// profile_idc, constraint flags and level_idc as 6 hex digits (RFC 6184).
    pub fn profile_level_id(&self) -> String {
        self.sps.get(1..4).map_or_else(
            || "42C01E".to_string(),
            |b| format!("{:02X}{:02X}{:02X}", b[0], b[1], b[2]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &[u8] = &[
        0, 0, 0, 1, 9, 0xf0, 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0, 0, 1, 0x68, 0xce, 0, 0, 1,
        0x65, 0x88, 0x84, 0, 0, 0, 1, 9, 0xf0, 0, 0, 1, 0x41, 0x9a, 0x00, 0x03, 0x01,
    ];

    #[test]
    fn splits_and_groups() {
        let nals = split_annexb(STREAM);
        assert_eq!(nals.len(), 6);
        assert_eq!(nals[1], &[0x67, 0x42, 0xc0, 0x1e]);
        let aus = access_units(STREAM);
        assert_eq!(aus.len(), 2);
        assert!(aus[0].keyframe && !aus[1].keyframe);
        assert_eq!(aus[0].nals.len(), 3); // AUD dropped
        let ps = ParameterSets::from_access_unit(&aus[0]).expect("sps/pps");
        assert_eq!(ps.profile_level_id(), "42C01E");
        let with = aus[0].with_sei(Bytes::from_static(&[6, 5]));
        assert_eq!(
            with.iter().map(|n| nal_type(n)).collect::<Vec<_>>(),
            [7, 8, 6, 5]
        );
    }

    #[test]
    fn incremental_splitter_matches_batch() {
        let mut s = AnnexBSplitter::default();
        let mut got = Vec::new();
        for chunk in STREAM.chunks(5) {
            s.push(chunk);
            while let Some(n) = s.next_nal() {
                got.push(n);
            }
        }
        got.extend(s.flush());
        assert!(s.is_empty());
        let want: Vec<&[u8]> = split_annexb(STREAM);
        assert_eq!(got.iter().map(|b| &b[..]).collect::<Vec<_>>(), want);
    }
}
