//! Committed events wait here until every earlier seq has been published: transactions commit in seq
//! order (the seq is taken under a row lock), but their publishing tasks may not run in that order,
//! and another server process may have written the seq in between. Pure: the caller publishes what
//! [`Reorder::next`] hands out and reads missing seqs back from PostgreSQL.

use std::collections::BTreeMap;

use super::hub::LiveEvent;

/// What to do next, given the last seq published.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// The event right after the last one published.
    Publish(LiveEvent),
    /// Held events are waiting for these seqs (inclusive), which must be read back.
    Missing(i64, i64),
    /// Nothing is held.
    Empty,
}

#[derive(Debug, Default)]
pub struct Reorder {
    held: BTreeMap<i64, LiveEvent>,
}

impl Reorder {
    pub fn hold(&mut self, ev: LiveEvent) {
        self.held.insert(ev.seq, ev);
    }

    /// The next step after `last_published`; events at or before it (published meanwhile, e.g. read
    /// back from the database) are dropped.
    pub fn next(&mut self, last_published: i64) -> Next {
        while let Some(entry) = self.held.first_entry() {
            let wanted = last_published + 1;
            if *entry.key() < wanted {
                entry.remove();
                continue;
            }
            if *entry.key() != wanted {
                return Next::Missing(wanted, *entry.key() - 1);
            }
            return Next::Publish(entry.remove());
        }
        Next::Empty
    }

    pub fn len(&self) -> usize {
        self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::live_types::Op;

    fn ev(seq: i64) -> LiveEvent {
        LiveEvent {
            seq,
            layer: "incidents".into(),
            op: Op::Upsert,
            id: format!("inc-{seq}"),
            feature: serde_json::Value::Null,
            position: None,
        }
    }

    fn seq(n: Next) -> Option<i64> {
        match n {
            Next::Publish(e) => Some(e.seq),
            _ => None,
        }
    }

    #[test]
    fn an_event_that_overtook_an_earlier_one_waits_for_it() {
        let mut r = Reorder::default();
        r.hold(ev(12));
        assert_eq!(r.next(10), Next::Missing(11, 11));
        r.hold(ev(11));
        assert_eq!(seq(r.next(10)), Some(11));
        assert_eq!(seq(r.next(11)), Some(12));
        assert_eq!(r.next(12), Next::Empty);
    }

    #[test]
    fn what_was_published_meanwhile_is_dropped_and_gaps_are_named() {
        let mut r = Reorder::default();
        for s in [3, 4, 9] {
            r.hold(ev(s));
        }
        r.hold(ev(4)); // the same event twice (published, and read back)
                       // 3 and 4 were read back from the database and published meanwhile
        assert_eq!(r.next(4), Next::Missing(5, 8));
        assert_eq!(r.len(), 1);
        assert_eq!(seq(r.next(8)), Some(9));
        assert!(r.is_empty());
    }
}
