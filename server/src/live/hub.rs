//! The live fan-out as a plain state machine (no sockets, no clock): the live features and their
//! rstar index, each client's viewport and what it holds, and the recent event log.
//!
//! `subscribe` answers with snapshots (or the missed events for `since`); `publish` takes committed
//! events in `seq` order and says which client gets which frame. The async layer (`ws.rs`) only moves
//! frames between this and the sockets.

use std::collections::VecDeque;

// Fx hashing (rustc's): the keys are the server's own feature ids and layer names, never chosen by
// a client, and every event hashes one for each client near it
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use rstar::{primitives::GeomWithData, RTree, AABB};
use serde_json::Value;

use app::live_types::{Op, ServerMessage};

use super::grid::Grid;

pub type ClientId = u64;

/// One WebSocket text frame, made once per event and shared by every client it goes to: cloning it
/// counts a reference, and the socket writer sends its bytes as they are (no copy per client).
pub type Frame = axum::extract::ws::Utf8Bytes;

/// A live feature's key, (layer, feature id), made once per feature and shared by the hub's maps
/// and every client that holds the feature. Its hash is computed when it is made, and two keys of
/// the same feature are usually the same allocation: an event looks its key up in each nearby
/// client's `held` set, and at 10,000 clients comparing the strings of per-client copies (scattered
/// on the heap, so mostly cache misses) was a fifth of the server's CPU (perf, issue #11).
#[derive(Clone)]
pub struct Key(Arc<KeyData>);

struct KeyData {
    layer: String,
    id: String,
    hash: u64,
}

impl Key {
    pub fn new(layer: &str, id: &str) -> Key {
        use std::hash::{BuildHasher, Hash, Hasher};
        let mut h = rustc_hash::FxBuildHasher.build_hasher();
        layer.hash(&mut h);
        id.hash(&mut h);
        Key(Arc::new(KeyData {
            layer: layer.to_string(),
            id: id.to_string(),
            hash: h.finish(),
        }))
    }

    pub fn layer(&self) -> &str {
        &self.0.layer
    }

    pub fn id(&self) -> &str {
        &self.0.id
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.hash == other.0.hash
                && self.0.layer == other.0.layer
                && self.0.id == other.0.id)
    }
}

impl Eq for Key {}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash);
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> std::cmp::Ordering {
        (self.layer(), self.id()).cmp(&(other.layer(), other.id()))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.layer(), self.id())
    }
}

/// Margin around a client's bbox, as a share of its size, so features at the edge do not flicker.
pub const MARGIN: f64 = 0.1;

/// One committed change of a live feature (also what the event bus between nodes carries).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
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
    fn frame(&self, op: Op) -> Frame {
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
    /// `layers` as bits of [`Hub::layer_bit`], so an event tests a client's layers with one `&`.
    mask: u64,
}

/// What a subscribe answers with.
#[derive(Debug, PartialEq)]
pub enum Answer {
    /// The frames to queue for the client, in order (the last is `synced`).
    Frames(Vec<Frame>),
    /// A resume needs the persisted events with `after < seq <= upto` (older than memory keeps):
    /// read them and subscribe again with them.
    NeedsLog { after: i64, upto: i64 },
}

/// Bounds of a resume with `since`; past them the client gets `reset` and snapshots.
#[derive(Clone, Copy, Debug)]
pub struct ResumeLimits {
    /// Missed events (by seq) a resume may read at all.
    pub max_missed: usize,
    /// Frames a resume may queue (the rest of the bounded queue is for live events).
    pub max_frames: usize,
}

pub struct Hub {
    features: HashMap<Key, (Value, [f64; 2])>,
    tree: RTree<GeomWithData<[f64; 2], Key>>,
    clients: HashMap<ClientId, Client>,
    log: VecDeque<LiveEvent>,
    log_capacity: usize,
    last_seq: i64,
    /// The clients' views by map cell: an event visits only the clients near it.
    grid: Grid,
    /// The layers' names, by bit ([`Hub::layer_bit`]).
    layer_bits: Vec<String>,
}

pub fn expand(b: [f64; 4]) -> [f64; 4] {
    let (dx, dy) = ((b[2] - b[0]) * MARGIN, (b[3] - b[1]) * MARGIN);
    [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy]
}

fn inside(b: &[f64; 4], p: [f64; 2]) -> bool {
    p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3]
}

impl Client {
    /// A client's view; [`Hub::place`] sets its layer mask.
    fn new(bbox: [f64; 4], layers: HashSet<String>, held: HashSet<Key>) -> Client {
        Client {
            bbox,
            layers,
            held,
            mask: 0,
        }
    }
}

impl Hub {
    /// A hub whose log continues after `last_seq` and keeps the last `log_capacity` events in memory.
    pub fn new(last_seq: i64, log_capacity: usize) -> Self {
        Self {
            features: HashMap::default(),
            tree: RTree::new(),
            clients: HashMap::default(),
            log: VecDeque::new(),
            log_capacity,
            last_seq,
            grid: Grid::default(),
            layer_bits: Vec::new(),
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
        self.put(Key::new(layer, id), feature, position);
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
        // a known key stays the one the clients hold (insert keeps the map's key)
        self.features.insert(key, (feature, position));
    }

    /// The hub's own key for a feature (the one clients hold), or a new one for a feature it does
    /// not have.
    fn key_of(&self, layer: &str, id: &str) -> Key {
        let key = Key::new(layer, id);
        match self.features.get_key_value(&key) {
            Some((known, _)) => known.clone(),
            None => key,
        }
    }

    fn remove(&mut self, key: &Key) {
        if let Some((_, old)) = self.features.remove(key) {
            self.tree.remove(&GeomWithData::new(old, key.clone()));
        }
    }

    /// Keys of a layer's features in a bbox (with the margin), from the rstar index, in key order.
    fn keys_in_view(&self, layer: &str, bbox: [f64; 4]) -> Vec<Key> {
        let b = expand(bbox);
        let env = AABB::from_corners([b[0], b[1]], [b[2], b[3]]);
        let mut keys: Vec<Key> = self
            .tree
            .locate_in_envelope(&env)
            .filter(|g| g.data.layer() == layer)
            .map(|g| g.data.clone())
            .collect();
        keys.sort();
        keys
    }

    /// The feature of a key (a copy, to put in a frame).
    fn feature(&self, key: &Key) -> Option<Value> {
        self.features.get(key).map(|(f, _)| f.clone())
    }

    /// Features of a layer in a bbox (with the margin), from the rstar index.
    pub fn in_view(&self, layer: &str, bbox: [f64; 4]) -> Vec<(Key, Value)> {
        self.keys_in_view(layer, bbox)
            .into_iter()
            .filter_map(|k| self.feature(&k).map(|f| (k, f)))
            .collect()
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
            .filter(|g| g.data.layer() == layer)
            .filter_map(|g| self.features.get(&g.data))
            .filter(|(f, _)| keep(f))
            .take(n)
            .map(|(f, p)| (f.clone(), *p))
            .collect()
    }

    /// A client subscribes (`docs/live-protocol.md`). Whatever the case, the frames returned bring
    /// what the client holds to exactly the live features of `bbox` (with the margin) and `layers`,
    /// and end with `synced`:
    ///
    /// - a client already known on this socket (a pan, a layer change): a `view` frame per layer with
    ///   what entered (current) and the ids of what left; `since` is not needed, the hub knows what
    ///   it holds;
    /// - a new socket without `since`: a snapshot per layer;
    /// - a new socket with `since`, which stands for "I hold exactly this view as of `since`": the
    ///   logged events after it, each with its own seq, as upserts inside the viewport and deletes
    ///   outside. They come from memory, or from `older` (the persisted log, read by the caller when
    ///   this answers [`Answer::NeedsLog`]). When `since` is unknown, older than the log, more than
    ///   `limits.max_missed` events behind, or would replay more than `limits.max_frames` frames:
    ///   `reset` and snapshots, without reading the missed events.
    pub fn subscribe(
        &mut self,
        client: ClientId,
        bbox: [f64; 4],
        layers: &[String],
        since: Option<i64>,
        older: Option<&[LiveEvent]>,
        limits: ResumeLimits,
    ) -> Answer {
        let layers: HashSet<String> = layers.iter().cloned().collect();
        if self.clients.contains_key(&client) {
            let frames = self.view_change(client, bbox, layers);
            return Answer::Frames(self.synced(frames));
        }
        let Some(since) = since else {
            return Answer::Frames(self.snapshots(client, bbox, layers, false));
        };
        let missed = self.last_seq - since;
        if since < 0 || missed < 0 || missed > limits.max_missed as i64 {
            return Answer::Frames(self.snapshots(client, bbox, layers, true));
        }
        let oldest_kept = self.log.front().map(|e| e.seq).unwrap_or(self.last_seq + 1);
        let from_older: &[LiveEvent] = if since + 1 >= oldest_kept {
            &[]
        } else {
            match older {
                None => {
                    return Answer::NeedsLog {
                        after: since,
                        upto: oldest_kept - 1,
                    }
                }
                // the persisted log must run on from `since` to what memory keeps, with no gap
                Some(rows)
                    if rows.first().is_some_and(|e| e.seq == since + 1)
                        && rows.last().is_some_and(|e| e.seq >= oldest_kept - 1)
                        && rows.windows(2).all(|w| w[1].seq == w[0].seq + 1) =>
                {
                    rows
                }
                Some(_) => return Answer::Frames(self.snapshots(client, bbox, layers, true)),
            }
        };
        let upto_older = from_older.last().map_or(since, |e| e.seq);
        let missed_events = from_older
            .iter()
            .chain(self.log.iter().filter(|e| e.seq > upto_older));
        let view = expand(bbox);
        // a delete only for what the client may hold: anything at first, nothing after a delete
        let mut gone: HashSet<Key> = HashSet::default();
        let mut frames = Vec::new();
        for ev in missed_events.filter(|e| layers.contains(&e.layer)) {
            let key = Key::new(&ev.layer, &ev.id);
            match (ev.op, ev.position) {
                (Op::Upsert, Some(p)) if inside(&view, p) => {
                    gone.remove(&key);
                    frames.push(ev.frame(Op::Upsert));
                }
                _ => {
                    if gone.insert(key) {
                        frames.push(ev.frame(Op::Delete));
                    }
                }
            }
            if frames.len() > limits.max_frames {
                return Answer::Frames(self.snapshots(client, bbox, layers, true));
            }
        }
        let mut held = HashSet::default();
        for layer in &layers {
            held.extend(self.keys_in_view(layer, bbox));
        }
        self.place(client, Client::new(bbox, layers, held));
        Answer::Frames(self.synced(frames))
    }

    fn synced(&self, mut frames: Vec<Frame>) -> Vec<Frame> {
        let msg = ServerMessage::Synced { seq: self.last_seq };
        frames.push(serde_json::to_string(&msg).unwrap_or_default().into());
        frames
    }

    /// A snapshot per layer (after a reset when `reset`), and the client holds them from now on.
    fn snapshots(
        &mut self,
        client: ClientId,
        bbox: [f64; 4],
        layers: HashSet<String>,
        reset: bool,
    ) -> Vec<Frame> {
        let mut held = HashSet::default();
        let mut frames: Vec<Frame> = Vec::new();
        if reset {
            frames.push(r#"{"type":"reset"}"#.into());
        }
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
        self.place(client, Client::new(bbox, layers, held));
        self.synced(frames)
    }

    /// A known client's new viewport or layers: per layer, what entered and what left. What it
    /// holds is current (every change of a held feature was sent to it), so only that moves.
    fn view_change(
        &mut self,
        client: ClientId,
        bbox: [f64; 4],
        layers: HashSet<String>,
    ) -> Vec<Frame> {
        let old = self
            .clients
            .remove(&client)
            .unwrap_or_else(|| Client::new(bbox, HashSet::default(), HashSet::default()));
        let mut names: Vec<&String> = layers.union(&old.layers).collect();
        names.sort();
        let mut held = HashSet::default();
        let mut frames = Vec::new();
        for layer in names {
            let now_keys: HashSet<Key> = if layers.contains(layer) {
                self.keys_in_view(layer, bbox).into_iter().collect()
            } else {
                HashSet::default()
            };
            // only what entered is copied into the frame: what stayed is held already
            let mut entered: Vec<&Key> = now_keys.difference(&old.held).collect();
            entered.sort();
            let upsert: Vec<Value> = entered.iter().filter_map(|k| self.feature(k)).collect();
            let mut delete: Vec<String> = old
                .held
                .iter()
                .filter(|k| k.layer() == layer.as_str() && !now_keys.contains(*k))
                .map(|k| k.id().to_string())
                .collect();
            delete.sort();
            held.extend(now_keys);
            if upsert.is_empty() && delete.is_empty() {
                continue;
            }
            let msg = ServerMessage::View {
                seq: self.last_seq,
                layer: layer.clone(),
                upsert,
                delete,
            };
            frames.push(serde_json::to_string(&msg).unwrap_or_default().into());
        }
        self.place(client, Client::new(bbox, layers, held));
        frames
    }

    pub fn disconnect(&mut self, client: ClientId) {
        self.clients.remove(&client);
        self.grid.remove(client);
    }

    /// Keeps a client and files its view in the grid.
    fn place(&mut self, id: ClientId, mut client: Client) {
        client.mask = client.layers.iter().fold(0, |m, l| m | self.layer_bit(l));
        self.grid.place(id, expand(client.bbox));
        self.clients.insert(id, client);
    }

    /// A layer's bit in the clients' masks, given on first sight. Layers are the server's own few
    /// (a subscribe naming an unknown one is refused before it reaches the hub); past 64 the last
    /// bit is shared, which only makes the exact check below it run.
    fn layer_bit(&mut self, layer: &str) -> u64 {
        let n = match self.layer_bits.iter().position(|l| l == layer) {
            Some(n) => n,
            None => {
                self.layer_bits.push(layer.to_string());
                self.layer_bits.len() - 1
            }
        };
        1 << n.min(63)
    }

    /// Applies a committed event (seq must follow the last one) and returns each recipient's frame:
    /// an upsert to clients whose viewport has the feature, a delete to clients that held it and no
    /// longer see it.
    pub fn publish(&mut self, ev: LiveEvent) -> Result<Vec<(ClientId, Frame)>, SeqGap> {
        if ev.seq != self.last_seq + 1 {
            return Err(SeqGap {
                expected: self.last_seq + 1,
                got: ev.seq,
            });
        }
        self.last_seq = ev.seq;
        let key = self.key_of(&ev.layer, &ev.id);
        // who may hold it (its view had the old position) and who may see it now (the new one):
        // nobody else's frames or held features change
        let old_position = self.features.get(&key).map(|(_, p)| *p);
        let mut candidates = Vec::new();
        for p in old_position.into_iter().chain(ev.position) {
            self.grid.near(p, &mut candidates);
        }
        candidates.sort_unstable();
        candidates.dedup();
        match (ev.op, ev.position) {
            (Op::Upsert, Some(p)) => self.put(key.clone(), ev.feature.clone(), p),
            _ => self.remove(&key),
        }
        let (mut upsert, mut delete) = (None, None);
        let mut out = Vec::new();
        let bit = self.layer_bit(&ev.layer);
        for id in candidates {
            let Some(c) = self.clients.get_mut(&id) else {
                continue;
            };
            if c.mask & bit == 0 || (bit == 1 << 63 && !c.layers.contains(&ev.layer)) {
                continue;
            }
            let sees =
                matches!((ev.op, ev.position), (Op::Upsert, Some(p)) if inside(&expand(c.bbox), p));
            if sees {
                // a change in place (most events): already held, nothing to copy
                if !c.held.contains(&key) {
                    c.held.insert(key.clone());
                }
                out.push((
                    id,
                    upsert.get_or_insert_with(|| ev.frame(Op::Upsert)).clone(),
                ));
            } else if c.held.remove(&key) {
                out.push((
                    id,
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
#[path = "hub_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "hub_props.rs"]
mod props;
