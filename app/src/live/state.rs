//! What the browser holds of the live layers, apart from the socket: the features of each layer, the
//! `seq` they are current as of, and what to send when a socket opens or the viewport changes.
//!
//! Plain state, no browser API: `socket.rs` runs it in the page, and the server's property test runs
//! this same code natively against the hub (`server/src/live/hub_props.rs`), so the rules the test
//! checks are the rules the operator's map follows. The protocol is in `docs/live-protocol.md`.

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;

use crate::live_types::{ClientMessage, Op, ServerMessage};

/// A viewport and the layers shown in it.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub bbox: [f64; 4],
    pub layers: Vec<String>,
}

impl View {
    fn subscribe(&self, since: Option<i64>) -> ClientMessage {
        ClientMessage::Subscribe {
            bbox: self.bbox,
            layers: self.layers.clone(),
            since,
        }
    }
}

/// What applying a frame changed, for the page to redraw (and to toast new incidents).
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A logged change of one feature (`fresh`: the client did not hold it before).
    Event {
        layer: String,
        id: String,
        op: Op,
        fresh: bool,
    },
    /// A layer was replaced or changed by a viewport change: redraw it, nothing to announce.
    Layer(String),
}

#[derive(Clone, Debug, Default)]
pub struct ViewState {
    /// layer → feature id → feature.
    pub layers: BTreeMap<String, BTreeMap<String, Value>>,
    /// The last `seq` seen (None before the first answer, and after a reset until its snapshots).
    pub since: Option<i64>,
    /// The view of the last subscribe answered in full (`synced`): what `since` stands for.
    synced: Option<View>,
    /// Subscribes sent on this socket and not yet answered in full, oldest first.
    pending: VecDeque<View>,
}

impl ViewState {
    /// A socket opened: the messages to send. When what the client holds is an answered view, it
    /// resumes that view with `since` (the server then sends only what changed, even across a
    /// restart), then subscribes the current view if the map moved meanwhile. When an answer was
    /// cut off half-way, what it holds is not any view's: it asks for snapshots instead.
    pub fn on_open(&mut self, view: View) -> Vec<ClientMessage> {
        let cut_off = !self.pending.is_empty();
        self.pending.clear();
        let mut out = Vec::new();
        match (self.synced.clone(), self.since) {
            (Some(held), Some(since)) if !cut_off => {
                out.push(held.subscribe(Some(since)));
                self.pending.push_back(held.clone());
                if held != view {
                    out.push(view.subscribe(None));
                    self.pending.push_back(view);
                }
            }
            _ => {
                // snapshots replace the subscribed layers; the others are not shown any more
                self.layers.retain(|l, _| view.layers.contains(l));
                self.since = None;
                self.synced = None;
                out.push(view.subscribe(None));
                self.pending.push_back(view);
            }
        }
        out
    }

    /// The map moved or the layers changed on an open socket: the subscribe to send (None when the
    /// view is the one already asked for).
    pub fn on_view(&mut self, view: View) -> Option<ClientMessage> {
        let last = self.pending.back().or(self.synced.as_ref());
        if last == Some(&view) {
            return None;
        }
        self.pending.push_back(view.clone());
        Some(view.subscribe(None))
    }

    /// Whether every subscribe sent has been answered in full.
    pub fn is_synced(&self) -> bool {
        self.pending.is_empty() && self.synced.is_some()
    }

    /// The view the client holds once synced.
    pub fn view(&self) -> Option<&View> {
        self.synced.as_ref()
    }

    fn saw(&mut self, seq: i64) {
        self.since = Some(self.since.map_or(seq, |s| s.max(seq)));
    }

    /// Applies one frame from the server.
    pub fn apply(&mut self, msg: &ServerMessage) -> Vec<Change> {
        match msg {
            ServerMessage::Event {
                seq,
                layer,
                op,
                feature,
            } => {
                self.saw(*seq);
                let Some(id) = feature["id"].as_str() else {
                    return Vec::new();
                };
                let held = self.layers.entry(layer.clone()).or_default();
                let fresh = match op {
                    Op::Upsert => held.insert(id.to_string(), feature.clone()).is_none(),
                    Op::Delete => held.remove(id).is_none(),
                };
                vec![Change::Event {
                    layer: layer.clone(),
                    id: id.to_string(),
                    op: *op,
                    fresh,
                }]
            }
            ServerMessage::Snapshot {
                seq,
                layer,
                features,
            } => {
                self.saw(*seq);
                let fresh = features
                    .iter()
                    .filter_map(|f| Some((f["id"].as_str()?.to_string(), f.clone())))
                    .collect();
                self.layers.insert(layer.clone(), fresh);
                vec![Change::Layer(layer.clone())]
            }
            ServerMessage::View {
                seq,
                layer,
                upsert,
                delete,
            } => {
                self.saw(*seq);
                let held = self.layers.entry(layer.clone()).or_default();
                for id in delete {
                    held.remove(id);
                }
                for f in upsert {
                    if let Some(id) = f["id"].as_str() {
                        held.insert(id.to_string(), f.clone());
                    }
                }
                vec![Change::Layer(layer.clone())]
            }
            ServerMessage::Synced { seq } => {
                self.saw(*seq);
                if let Some(view) = self.pending.pop_front() {
                    self.layers.retain(|l, _| view.layers.contains(l));
                    self.synced = Some(view);
                }
                Vec::new()
            }
            ServerMessage::Reset => {
                self.since = None;
                Vec::new()
            }
            ServerMessage::Pong => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(x: f64) -> View {
        View {
            bbox: [x, 10.0, x + 1.0, 11.0],
            layers: vec!["incidents".into()],
        }
    }

    #[test]
    fn a_reconnect_resumes_the_answered_view_then_asks_for_the_current_one() {
        let mut s = ViewState::default();
        assert_eq!(s.on_open(view(1.0)), [view(1.0).subscribe(None)]);
        s.apply(&ServerMessage::Snapshot {
            seq: 5,
            layer: "incidents".into(),
            features: vec![json!({"id": "inc-1"})],
        });
        s.apply(&ServerMessage::Synced { seq: 5 });
        assert!(s.is_synced());
        // the map moved while the socket was down
        assert_eq!(
            s.on_open(view(2.0)),
            [view(1.0).subscribe(Some(5)), view(2.0).subscribe(None)]
        );
    }

    #[test]
    fn an_answer_cut_off_half_way_is_not_resumed() {
        let mut s = ViewState::default();
        s.on_open(view(1.0));
        s.apply(&ServerMessage::Synced { seq: 5 });
        assert!(s.on_view(view(2.0)).is_some());
        assert!(s.on_view(view(2.0)).is_none(), "asked once");
        s.apply(&ServerMessage::View {
            seq: 6,
            layer: "incidents".into(),
            upsert: vec![json!({"id": "inc-2"})],
            delete: vec![],
        });
        // the socket drops before `synced`: snapshots, not a resume
        assert_eq!(s.on_open(view(2.0)), [view(2.0).subscribe(None)]);
        assert_eq!(s.since, None);
    }

    #[test]
    fn only_logged_events_are_announced_as_fresh() {
        let mut s = ViewState::default();
        let ev = |op| ServerMessage::Event {
            seq: 7,
            layer: "incidents".into(),
            op,
            feature: json!({"id": "inc-3"}),
        };
        let fresh = |c: Vec<Change>| matches!(c.as_slice(), [Change::Event { fresh: true, .. }]);
        assert!(fresh(s.apply(&ev(Op::Upsert))));
        assert!(!fresh(s.apply(&ev(Op::Upsert))));
        assert_eq!(s.since, Some(7));
        assert!(s.layers["incidents"].contains_key("inc-3"));
        s.apply(&ev(Op::Delete));
        assert!(s.layers["incidents"].is_empty());
    }
}
