//! A client's bounded queue of frames, as a plain state machine. The fan-out pushes; the client's
//! writer task drains. When a slow client lets it fill up, the queue closes with a reason instead of
//! growing or slowing the others: the client reconnects and resumes with `since`.

use std::collections::VecDeque;
use std::sync::Arc;

#[derive(Debug)]
pub struct Outbox {
    frames: VecDeque<Arc<str>>,
    capacity: usize,
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

impl Outbox {
    pub fn new(capacity: usize) -> Self {
        Self {
            frames: VecDeque::new(),
            capacity,
            closed: None,
            code: CLOSE_BAD_MESSAGE,
        }
    }

    /// Queues a frame; false when the queue is (or now becomes) closed.
    pub fn push(&mut self, frame: Arc<str>) -> bool {
        if self.closed.is_some() {
            return false;
        }
        if self.frames.len() >= self.capacity {
            self.frames.clear();
            self.closed = Some(OVERFLOW_REASON.to_string());
            self.code = CLOSE_OVERFLOW;
            return false;
        }
        self.frames.push_back(frame);
        true
    }

    /// Up to `n` of the oldest frames, in order. The writer takes small batches, so what a blocked
    /// socket has not taken stays here, where the capacity applies.
    pub fn take(&mut self, n: usize) -> Vec<Arc<str>> {
        let n = n.min(self.frames.len());
        self.frames.drain(..n).collect()
    }

    /// Closes at once: what is queued is dropped (the reader's rights ended, nothing more may reach it).
    pub fn end(&mut self, reason: impl Into<String>) {
        self.frames.clear();
        self.closed = Some(reason.into());
        self.code = CLOSE_RIGHTS_ENDED;
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
        assert_eq!(q.take(1), vec![Arc::<str>::from("a")]);
        assert_eq!(q.take(5), vec![Arc::<str>::from("b")]);
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
}
