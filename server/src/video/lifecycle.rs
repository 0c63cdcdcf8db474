//! Which cameras are being pulled, and until when: the viewer count of each camera and the grace
//! period after its last viewer leaves. Free of sockets and clocks (time is passed in), so the rules
//! are tested directly; `Video` applies its answers (start or stop an RTSP pull).

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Entry {
    /// Which pull this is: a viewer that joined an earlier pull of the camera (since forgotten)
    /// must not count against a later one.
    epoch: u64,
    viewers: usize,
    /// When the viewer count last dropped to zero; the pull stops `grace` later.
    idle_since: Option<Instant>,
}

/// What a new viewer means for the camera's pull.
#[derive(Debug, PartialEq, Eq)]
pub enum Join {
    /// No pull yet: start one.
    Start,
    /// A pull is running (perhaps in its grace period): share it.
    Share,
}

#[derive(Debug)]
pub struct Lifecycle {
    grace: Duration,
    cameras: HashMap<String, Entry>,
    next_epoch: u64,
}

impl Lifecycle {
    pub fn new(grace: Duration) -> Self {
        Self {
            grace,
            cameras: HashMap::new(),
            next_epoch: 0,
        }
    }

    /// A viewer joins: what it means for the pull, and the pull's epoch (give it back to `leave`).
    pub fn join(&mut self, camera: &str) -> (Join, u64) {
        match self.cameras.get_mut(camera) {
            Some(e) => {
                e.viewers += 1;
                e.idle_since = None;
                (Join::Share, e.epoch)
            }
            None => {
                self.next_epoch += 1;
                self.cameras.insert(
                    camera.to_string(),
                    Entry {
                        epoch: self.next_epoch,
                        viewers: 1,
                        idle_since: None,
                    },
                );
                (Join::Start, self.next_epoch)
            }
        }
    }

    /// A viewer of the pull `epoch` leaves (a viewer of a pull since forgotten changes nothing).
    pub fn leave(&mut self, camera: &str, epoch: u64, now: Instant) {
        if let Some(e) = self.cameras.get_mut(camera).filter(|e| e.epoch == epoch) {
            e.viewers = e.viewers.saturating_sub(1);
            if e.viewers == 0 {
                e.idle_since = Some(now);
            }
        }
    }

    /// Cameras whose grace period has run out; they are forgotten here and their pulls must stop.
    pub fn expired(&mut self, now: Instant) -> Vec<String> {
        let grace = self.grace;
        let gone: Vec<String> = self
            .cameras
            .iter()
            .filter(|(_, e)| e.idle_since.is_some_and(|t| now.duration_since(t) >= grace))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &gone {
            self.cameras.remove(id);
        }
        gone
    }

    /// Forgets a camera at once (it was removed); its pull must stop.
    pub fn remove(&mut self, camera: &str) -> bool {
        self.cameras.remove(camera).is_some()
    }

    pub fn is_pulled(&self, camera: &str) -> bool {
        self.cameras.contains_key(camera)
    }

    /// Viewers per pulled camera (a camera in its grace period has 0), sorted by camera id.
    pub fn viewers(&self) -> Vec<(String, usize)> {
        let mut v: Vec<_> = self
            .cameras
            .iter()
            .map(|(id, e)| (id.clone(), e.viewers))
            .collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pull_per_camera_however_many_viewers() {
        let mut l = Lifecycle::new(Duration::from_secs(10));
        assert_eq!(l.join("cam-0001").0, Join::Start);
        assert_eq!(l.join("cam-0001").0, Join::Share);
        assert_eq!(l.join("cam-0002").0, Join::Start);
        assert_eq!(
            l.viewers(),
            vec![("cam-0001".into(), 2), ("cam-0002".into(), 1)]
        );
    }

    #[test]
    fn the_pull_stops_a_grace_period_after_the_last_viewer_leaves() {
        let t0 = Instant::now();
        let mut l = Lifecycle::new(Duration::from_secs(10));
        let (_, e) = l.join("cam-0001");
        l.join("cam-0001");
        l.leave("cam-0001", e, t0);
        assert!(
            l.expired(t0 + Duration::from_secs(60)).is_empty(),
            "one viewer is left"
        );
        l.leave("cam-0001", e, t0 + Duration::from_secs(1));
        assert!(
            l.expired(t0 + Duration::from_secs(10)).is_empty(),
            "still in grace"
        );
        assert_eq!(l.expired(t0 + Duration::from_secs(11)), vec!["cam-0001"]);
        assert!(!l.is_pulled("cam-0001"));
        assert_eq!(
            l.join("cam-0001").0,
            Join::Start,
            "a later viewer starts a new pull"
        );
    }

    #[test]
    fn a_viewer_arriving_in_the_grace_period_keeps_the_pull() {
        let t0 = Instant::now();
        let mut l = Lifecycle::new(Duration::from_secs(10));
        let (_, e) = l.join("cam-0001");
        l.leave("cam-0001", e, t0);
        assert_eq!(l.join("cam-0001").0, Join::Share);
        assert!(l.expired(t0 + Duration::from_secs(30)).is_empty());
    }

    #[test]
    fn a_viewer_of_a_forgotten_pull_does_not_count_against_the_next_one() {
        let t0 = Instant::now();
        let mut l = Lifecycle::new(Duration::from_secs(10));
        let (_, old) = l.join("cam-0001");
        assert!(l.remove("cam-0001"), "the camera was re-pointed");
        let (join, new) = l.join("cam-0001");
        assert_eq!(join, Join::Start);
        l.leave("cam-0001", old, t0);
        assert!(l.expired(t0 + Duration::from_secs(60)).is_empty());
        assert_eq!(l.viewers(), vec![("cam-0001".into(), 1)]);
        l.leave("cam-0001", new, t0);
        assert_eq!(l.expired(t0 + Duration::from_secs(10)), vec!["cam-0001"]);
    }
}
