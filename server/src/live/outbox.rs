//! A client's bounded queue of frames, as a plain state machine. The fan-out pushes; the client's
//! writer task drains. When a slow client lets it fill up, the queue closes with a reason instead of
//! growing or slowing the others: the client reconnects and resumes with `since`.

use super::hub::Frame;
use std::collections::VecDeque;

#[derive(Debug)]
pub struct Outbox {
    frames: VecDeque<Frame>,
    capacity: usize,
    /// Bytes of the frames queued, and the most that may be (a few huge snapshots fill memory long
    /// before they fill the frame count).
    bytes: usize,
    max_bytes: usize,
    closed: Option<String>,
    /// The WebSocket close code to send with the reason.
    code: u16,
}

pub const OVERFLOW_REASON: &str = "too slow: queue full, resume with since";
/// Close codes: 1013 "try again later" for a slow client, 1008 "policy" for a bad message, and
/// 4001 (private use) when the reader's rights ended: the browser then goes to sign-in instead of
/// reconnecting.
pub const CLOSE_OVERFLOW: u16 = 1013;
pub const CLOSE_BAD_MESSAGE: u16 = 1008;
pub const CLOSE_RIGHTS_ENDED: u16 = 4001;
/// 1001 "going away": the server is shutting down; the browser reconnects (to it or another node).
pub const CLOSE_GOING_AWAY: u16 = 1001;
/// Bytes a client's queue may hold by default (`LiveConfig::queue_bytes`).
pub const DEFAULT_MAX_BYTES: usize = 8 * 1024 * 1024;

impl Outbox {
    pub fn new(capacity: usize) -> Self {
        Self::with_bytes(capacity, DEFAULT_MAX_BYTES)
    }

    /// A queue of at most `capacity` frames and `max_bytes` bytes.
    pub fn with_bytes(capacity: usize, max_bytes: usize) -> Self {
        Self {
            frames: VecDeque::new(),
            capacity,
            bytes: 0,
            max_bytes,
            closed: None,
            code: CLOSE_BAD_MESSAGE,
        }
    }

    /// Queues a frame; false when the queue is (or now becomes) closed.
    pub fn push(&mut self, frame: Frame) -> bool {
        if self.closed.is_some() {
            return false;
        }
        // a lone frame larger than the byte bound (a district's snapshot) still goes: otherwise the
        // client would reconnect into the same wall
        let too_many_bytes = !self.frames.is_empty() && self.bytes + frame.len() > self.max_bytes;
        if self.frames.len() >= self.capacity || too_many_bytes {
            self.frames.clear();
            self.bytes = 0;
            self.closed = Some(OVERFLOW_REASON.to_string());
            self.code = CLOSE_OVERFLOW;
            return false;
        }
        self.bytes += frame.len();
        self.frames.push_back(frame);
        true
    }

    /// Up to `n` of the oldest frames, in order. The writer takes small batches, so what a blocked
    /// socket has not taken stays here, where the capacity applies.
    pub fn take(&mut self, n: usize) -> Vec<Frame> {
        let n = n.min(self.frames.len());
        let taken: Vec<Frame> = self.frames.drain(..n).collect();
        self.bytes -= taken.iter().map(|f| f.len()).sum::<usize>();
        taken
    }

    /// Closes at once: what is queued is dropped (the reader's rights ended, nothing more may reach it).
    pub fn end(&mut self, reason: impl Into<String>) {
        self.end_with(CLOSE_RIGHTS_ENDED, reason);
    }

    /// Closes at once with `code`: what is queued is dropped.
    pub fn end_with(&mut self, code: u16, reason: impl Into<String>) {
        self.frames.clear();
        self.bytes = 0;
        self.closed = Some(reason.into());
        self.code = code;
    }

    /// Bytes queued.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn close(&mut self, reason: impl Into<String>) {
        self.closed.get_or_insert(reason.into());
    }

    /// Why the queue closed, if it has: the close code and the reason.
    pub fn closed(&self) -> Option<(u16, String)> {
        self.closed.clone().map(|r| (self.code, r))
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_out_in_order() {
        let mut q = Outbox::new(3);
        assert!(q.push("a".into()) && q.push("b".into()));
        assert_eq!(q.take(1), vec![Frame::from("a")]);
        assert_eq!(q.take(5), vec![Frame::from("b")]);
        assert!(q.is_empty());
    }

    #[test]
    fn overflow_closes_the_queue_with_a_reason() {
        let mut q = Outbox::new(2);
        assert!(q.push("1".into()) && q.push("2".into()));
        assert!(!q.push("3".into()));
        assert_eq!(
            q.closed(),
            Some((CLOSE_OVERFLOW, OVERFLOW_REASON.to_string()))
        );
        assert!(
            q.is_empty(),
            "a closed queue drops what it held: the client resumes with since"
        );
        assert!(!q.push("4".into()));
    }

    #[test]
    fn a_queue_is_bounded_in_bytes_too() {
        let mut q = Outbox::with_bytes(100, 10);
        assert!(q.push("12345".into()) && q.push("6789".into()));
        assert_eq!(q.bytes(), 9);
        assert_eq!(q.take(1).len(), 1);
        assert_eq!(q.bytes(), 4, "taking frees their bytes");
        assert!(q.push("abcdef".into()), "4 + 6 fit in 10");
        assert!(!q.push("x".into()), "11 bytes do not");
        assert_eq!(q.closed().map(|c| c.0), Some(CLOSE_OVERFLOW));
        assert_eq!(q.bytes(), 0);
        let mut q = Outbox::with_bytes(100, 10);
        assert!(
            q.push("a frame larger than the bound".into()),
            "alone in an empty queue it goes"
        );
    }
}
