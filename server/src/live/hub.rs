//! The live fan-out as a plain state machine (no sockets, no clock): the live features and their
//! rstar index, each client's viewport and what it holds, and the recent event log.
//!
//! `subscribe` answers with snapshots (or the missed events for `since`); `publish` takes committed
//! events in `seq` order and says which client gets which frame. The async layer (`ws.rs`) only moves
//! frames between this and the sockets.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use rstar::{primitives::GeomWithData, RTree, AABB};
use serde_json::Value;

use app::live_types::{Op, ServerMessage};

pub type ClientId = u64;
/// (layer, feature id)
pub type Key = (String, String);

/// Margin around a client's bbox, as a share of its size, so features at the edge do not flicker.
pub const MARGIN: f64 = 0.1;

/// One committed change of a live feature.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveEvent {
    pub seq: i64,
    pub layer: String,
    pub op: Op,
    pub id: String,
    /// The GeoJSON Feature (for a delete: just its id).
    pub feature: Value,
    /// Position of the feature (None for a delete).
    pub position: Option<[f64; 2]>,
}

impl LiveEvent {
    fn frame(&self, op: Op) -> Arc<str> {
        let feature = match op {
            Op::Upsert => self.feature.clone(),
            Op::Delete => {
                serde_json::json!({"type": "Feature", "id": self.id, "geometry": null, "properties": {"id": self.id}})
            }
        };
        let msg = ServerMessage::Event {
            seq: self.seq,
            layer: self.layer.clone(),
            op,
            feature,
        };
        serde_json::to_string(&msg).unwrap_or_default().into()
    }
}

#[derive(Clone, Debug)]
struct Client {
    bbox: [f64; 4],
    layers: HashSet<String>,
    held: HashSet<Key>,
}

/// What a subscribe answers with.
#[derive(Debug, PartialEq)]
pub enum Catchup {
    /// Snapshots per layer (after a reset when `reset`).
    Snapshots { reset: bool, frames: Vec<Arc<str>> },
    /// The events the client missed, filtered to its viewport.
    Events(Vec<Arc<str>>),
}

pub struct Hub {
    features: HashMap<Key, (Value, [f64; 2])>,
    tree: RTree<GeomWithData<[f64; 2], Key>>,
    clients: HashMap<ClientId, Client>,
    log: VecDeque<LiveEvent>,
    log_capacity: usize,
    last_seq: i64,
}

pub fn expand(b: [f64; 4]) -> [f64; 4] {
    let (dx, dy) = ((b[2] - b[0]) * MARGIN, (b[3] - b[1]) * MARGIN);
    [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy]
}

fn inside(b: &[f64; 4], p: [f64; 2]) -> bool {
    p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3]
}

impl Hub {
    /// A hub whose log continues after `last_seq` and keeps the last `log_capacity` events in memory.
    pub fn new(last_seq: i64, log_capacity: usize) -> Self {
        Self {
            features: HashMap::new(),
            tree: RTree::new(),
            clients: HashMap::new(),
            log: VecDeque::new(),
            log_capacity,
            last_seq,
        }
    }

    pub fn last_seq(&self) -> i64 {
        self.last_seq
    }

    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// Loads the current live features (at start-up), without events.
    pub fn load(&mut self, layer: &str, id: &str, feature: Value, position: [f64; 2]) {
        self.put((layer.to_string(), id.to_string()), feature, position);
    }

    /// Seeds the in-memory log with already-committed events (at start-up), oldest first.
    pub fn remember(&mut self, ev: LiveEvent) {
        self.last_seq = self.last_seq.max(ev.seq);
        self.log.push_back(ev);
        while self.log.len() > self.log_capacity {
            self.log.pop_front();
        }
    }

    fn put(&mut self, key: Key, feature: Value, position: [f64; 2]) {
        if let Some((_, old)) = self.features.get(&key) {
            self.tree.remove(&GeomWithData::new(*old, key.clone()));
        }
        self.tree.insert(GeomWithData::new(position, key.clone()));
        self.features.insert(key, (feature, position));
    }

    fn remove(&mut self, key: &Key) {
        if let Some((_, old)) = self.features.remove(key) {
            self.tree.remove(&GeomWithData::new(old, key.clone()));
        }
    }

    /// Features of a layer in a bbox (with the margin), from the rstar index.
    pub fn in_view(&self, layer: &str, bbox: [f64; 4]) -> Vec<(Key, Value)> {
        let b = expand(bbox);
        let env = AABB::from_corners([b[0], b[1]], [b[2], b[3]]);
        let mut out: Vec<(Key, Value)> = self
            .tree
            .locate_in_envelope(&env)
            .filter(|g| g.data.0 == layer)
            .filter_map(|g| {
                self.features
                    .get(&g.data)
                    .map(|(f, _)| (g.data.clone(), f.clone()))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Nearest live features of a layer to a point that `keep` accepts, nearest first (e.g. the online
    /// cameras near an incident). Distance is in degrees: it ranks, the caller measures in metres.
    pub fn nearest(
        &self,
        layer: &str,
        point: [f64; 2],
        n: usize,
        keep: impl Fn(&Value) -> bool,
    ) -> Vec<(Value, [f64; 2])> {
        self.tree
            .nearest_neighbor_iter(&point)
            .filter(|g| g.data.0 == layer)
            .filter_map(|g| self.features.get(&g.data))
            .filter(|(f, _)| keep(f))
            .take(n)
            .map(|(f, p)| (f.clone(), *p))
            .collect()
    }

    /// A client (re)subscribes: new viewport and layers. With a `since` still in the log it gets the
    /// events it missed; otherwise snapshots of each layer (after a reset if `since` was too old).
    pub fn subscribe(
        &mut self,
        client: ClientId,
        bbox: [f64; 4],
        layers: &[String],
        since: Option<i64>,
    ) -> Catchup {
        let layers: HashSet<String> = layers.iter().cloned().collect();
        let oldest_kept = self.log.front().map(|e| e.seq).unwrap_or(self.last_seq + 1);
        let resumable = since.is_some_and(|s| s >= oldest_kept - 1 && s <= self.last_seq);
        if resumable {
            let since = since.unwrap_or_default();
            let view = expand(bbox);
            let mut held = self
                .clients
                .remove(&client)
                .map(|c| c.held)
                .unwrap_or_default();
            let mut frames = Vec::new();
            for ev in self
                .log
                .iter()
                .filter(|e| e.seq > since && layers.contains(&e.layer))
            {
                let key = (ev.layer.clone(), ev.id.clone());
                match (ev.op, ev.position) {
                    (Op::Upsert, Some(p)) if inside(&view, p) => {
                        held.insert(key);
                        frames.push(ev.frame(Op::Upsert));
                    }
                    // moved out or deleted: the client may hold it from before the drop
                    _ => {
                        held.remove(&key);
                        frames.push(ev.frame(Op::Delete));
                    }
                }
            }
            self.clients.insert(client, Client { bbox, layers, held });
            return Catchup::Events(frames);
        }
        let mut held = HashSet::new();
        let mut frames = Vec::new();
        let mut names: Vec<&String> = layers.iter().collect();
        names.sort();
        for layer in names {
            let view = self.in_view(layer, bbox);
            let features: Vec<Value> = view.iter().map(|(_, f)| f.clone()).collect();
            held.extend(view.into_iter().map(|(k, _)| k));
            let msg = ServerMessage::Snapshot {
                seq: self.last_seq,
                layer: layer.clone(),
                features,
            };
            frames.push(serde_json::to_string(&msg).unwrap_or_default().into());
        }
        self.clients.insert(client, Client { bbox, layers, held });
        Catchup::Snapshots {
            reset: since.is_some(),
            frames,
        }
    }

    pub fn disconnect(&mut self, client: ClientId) {
        self.clients.remove(&client);
    }

    /// Applies a committed event (seq must follow the last one) and returns each recipient's frame:
    /// an upsert to clients whose viewport has the feature, a delete to clients that held it and no
    /// longer see it.
    pub fn publish(&mut self, ev: LiveEvent) -> Result<Vec<(ClientId, Arc<str>)>, SeqGap> {
        if ev.seq != self.last_seq + 1 {
            return Err(SeqGap {
                expected: self.last_seq + 1,
                got: ev.seq,
            });
        }
        self.last_seq = ev.seq;
        let key = (ev.layer.clone(), ev.id.clone());
        match (ev.op, ev.position) {
            (Op::Upsert, Some(p)) => self.put(key.clone(), ev.feature.clone(), p),
            _ => self.remove(&key),
        }
        let (mut upsert, mut delete) = (None, None);
        let mut out = Vec::new();
        for (id, c) in self
            .clients
            .iter_mut()
            .filter(|(_, c)| c.layers.contains(&ev.layer))
        {
            let sees =
                matches!((ev.op, ev.position), (Op::Upsert, Some(p)) if inside(&expand(c.bbox), p));
            if sees {
                c.held.insert(key.clone());
                out.push((
                    *id,
                    upsert.get_or_insert_with(|| ev.frame(Op::Upsert)).clone(),
                ));
            } else if c.held.remove(&key) {
                out.push((
                    *id,
                    delete.get_or_insert_with(|| ev.frame(Op::Delete)).clone(),
                ));
            }
        }
        self.log.push_back(ev);
        while self.log.len() > self.log_capacity {
            self.log.pop_front();
        }
        out.sort_by_key(|(id, _)| *id);
        Ok(out)
    }
}

/// Events must reach the hub in `seq` order with no gap.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("live event out of order: expected seq {expected}, got {got}")]
pub struct SeqGap {
    pub expected: i64,
    pub got: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const VIEW_A: [f64; 4] = [106.690, 10.770, 106.700, 10.780];
    const VIEW_B: [f64; 4] = [106.700, 10.780, 106.710, 10.790];

    fn ev(seq: i64, id: &str, op: Op, p: Option<[f64; 2]>) -> LiveEvent {
        LiveEvent {
            seq,
            layer: "incidents".into(),
            op,
            id: id.into(),
            feature: json!({"id": id, "p": p}),
            position: p,
        }
    }

    fn layers() -> Vec<String> {
        vec!["incidents".into()]
    }

    #[test]
    fn events_reach_only_clients_that_see_them() {
        let mut hub = Hub::new(0, 100);
        hub.subscribe(1, VIEW_A, &layers(), None);
        hub.subscribe(2, VIEW_B, &layers(), None);
        let out = hub
            .publish(ev(1, "inc-1", Op::Upsert, Some([106.695, 10.775])))
            .expect("in order");
        assert_eq!(out.iter().map(|(c, _)| *c).collect::<Vec<_>>(), [1]);
        assert!(out[0].1.contains("\"op\":\"upsert\""));
        // it moves into B's view and out of A's: A gets a delete, B an upsert
        let out = hub
            .publish(ev(2, "inc-1", Op::Upsert, Some([106.705, 10.785])))
            .expect("in order");
        assert_eq!(out.len(), 2);
        assert!(out[0].0 == 1 && out[0].1.contains("\"op\":\"delete\""));
        assert!(out[1].0 == 2 && out[1].1.contains("\"op\":\"upsert\""));
        // a client that never held it gets nothing for a delete
        let out = hub
            .publish(ev(3, "inc-1", Op::Delete, None))
            .expect("in order");
        assert_eq!(out.iter().map(|(c, _)| *c).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn seq_must_be_gap_free() {
        let mut hub = Hub::new(10, 100);
        assert_eq!(
            hub.publish(ev(12, "x", Op::Delete, None)),
            Err(SeqGap {
                expected: 11,
                got: 12
            })
        );
        assert!(hub.publish(ev(11, "x", Op::Delete, None)).is_ok());
    }

    #[test]
    fn a_subscribe_gets_snapshots_of_its_viewport_from_the_index() {
        let mut hub = Hub::new(0, 100);
        hub.load(
            "incidents",
            "inc-a",
            json!({"id": "inc-a"}),
            [106.695, 10.775],
        );
        hub.load(
            "incidents",
            "inc-b",
            json!({"id": "inc-b"}),
            [106.705, 10.785],
        );
        hub.load(
            "cameras",
            "cam-1",
            json!({"id": "cam-1"}),
            [106.696, 10.776],
        );
        let Catchup::Snapshots { reset, frames } =
            hub.subscribe(7, VIEW_A, &["cameras".into(), "incidents".into()], None)
        else {
            panic!("snapshots expected")
        };
        assert!(!reset);
        assert_eq!(frames.len(), 2);
        assert!(frames[0].contains("\"layer\":\"cameras\"") && frames[0].contains("cam-1"));
        assert!(frames[1].contains("inc-a") && !frames[1].contains("inc-b"));
        assert_eq!(
            hub.nearest("cameras", [106.7, 10.78], 3, |_| true),
            [(json!({"id": "cam-1"}), [106.696, 10.776])]
        );
        assert!(hub
            .nearest("cameras", [106.7, 10.78], 3, |f| f["id"] == "cam-2")
            .is_empty());
    }

    #[test]
    fn resume_replays_missed_events_or_resets_when_too_old() {
        let mut hub = Hub::new(0, 3);
        for seq in 1..=5 {
            hub.publish(ev(
                seq,
                &format!("inc-{seq}"),
                Op::Upsert,
                Some([106.695, 10.775]),
            ))
            .expect("in order");
        }
        // the log keeps seq 3..=5: since 2 is resumable, since 1 is not
        match hub.subscribe(1, VIEW_A, &layers(), Some(3)) {
            Catchup::Events(frames) => {
                assert_eq!(frames.len(), 2);
                assert!(frames[0].contains("\"seq\":4") && frames[1].contains("\"seq\":5"));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(hub.subscribe(2, VIEW_A, &layers(), Some(2)), Catchup::Events(f) if f.len() == 3)
        );
        assert!(matches!(
            hub.subscribe(3, VIEW_A, &layers(), Some(1)),
            Catchup::Snapshots { reset: true, .. }
        ));
        assert!(matches!(
            hub.subscribe(4, VIEW_A, &layers(), Some(99)),
            Catchup::Snapshots { reset: true, .. }
        ));
        // replay outside the viewport becomes deletes
        match hub.subscribe(5, VIEW_B, &layers(), Some(4)) {
            Catchup::Events(frames) => assert!(frames[0].contains("\"op\":\"delete\"")),
            other => panic!("{other:?}"),
        }
    }
}
