//! Property test of the live protocol. Random interleavings of changes (upserts, moves, deletes),
//! viewport and layer changes, partial deliveries, dropped sockets, reconnects that resume from
//! memory or from the persisted log (here a `Vec`, trimmed like retention trims PostgreSQL), and
//! the log forgetting its oldest events. The clients apply the frames with the browser's own code
//! (`app::live::state`). After every step, a connected client that has everything it was sent and
//! no unanswered subscribe must hold exactly the live features of its view: the truth kept by the
//! test itself, not the hub's bookkeeping.

use std::collections::{BTreeMap, VecDeque};

use proptest::prelude::*;
use serde_json::{json, Value};

use app::live::state::{View, ViewState};
use app::live_types::{ClientMessage, Op, ServerMessage};

use super::{Answer, ClientId, Frame, Hub, LiveEvent, ResumeLimits};

const LAYERS: [&str; 2] = ["incidents", "cameras"];
/// Events kept in memory: small, so that resumes often need the persisted log.
const MEMORY: usize = 6;
const LIMITS: ResumeLimits = ResumeLimits {
    max_missed: 25,
    max_frames: 12,
};

#[derive(Clone, Debug)]
enum Step {
    /// A feature appears or moves to a cell of a 10×10 grid.
    Upsert {
        layer: usize,
        id: u8,
        cell: (u8, u8),
    },
    Delete {
        layer: usize,
        id: u8,
    },
    /// The client's map moves to one of 9 viewports, with one of 3 layer sets.
    Pan {
        client: usize,
        view: u8,
        layers: u8,
    },
    /// Up to `frames` of what the server sent reach the client.
    Deliver {
        client: usize,
        frames: u8,
    },
    /// The socket drops; what was not delivered is lost.
    Drop {
        client: usize,
    },
    /// A new socket, with the browser's opening messages.
    Open {
        client: usize,
    },
    /// Retention forgets the oldest persisted events.
    Trim {
        events: u8,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let client = 0..2usize;
    prop_oneof![
        4 => (0..2usize, 0..8u8, (0..10u8, 0..10u8)).prop_map(|(layer, id, cell)| Step::Upsert { layer, id, cell }),
        1 => (0..2usize, 0..8u8).prop_map(|(layer, id)| Step::Delete { layer, id }),
        2 => (client.clone(), 0..9u8, 0..3u8).prop_map(|(client, view, layers)| Step::Pan { client, view, layers }),
        3 => (client.clone(), prop_oneof![Just(255u8), 0..4u8]).prop_map(|(client, frames)| Step::Deliver { client, frames }),
        1 => client.clone().prop_map(|client| Step::Drop { client }),
        2 => client.prop_map(|client| Step::Open { client }),
        1 => (1..12u8).prop_map(|events| Step::Trim { events }),
    ]
}

fn position(cell: (u8, u8)) -> [f64; 2] {
    [
        106.690 + f64::from(cell.0) * 0.002,
        10.760 + f64::from(cell.1) * 0.002,
    ]
}

fn view(n: u8, layers: u8) -> View {
    let (a, b) = (f64::from(n % 3), f64::from(n / 3));
    View {
        bbox: [
            106.690 + a * 0.005,
            10.760 + b * 0.005,
            106.698 + a * 0.005,
            10.768 + b * 0.005,
        ],
        layers: match layers {
            0 => vec!["incidents".into(), "cameras".into()],
            1 => vec!["incidents".into()],
            _ => vec!["cameras".into()],
        },
    }
}

/// The documented viewport: the bbox with a 10 % margin on each side.
fn in_view(bbox: [f64; 4], p: [f64; 2]) -> bool {
    let (mx, my) = ((bbox[2] - bbox[0]) * 0.1, (bbox[3] - bbox[1]) * 0.1);
    p[0] >= bbox[0] - mx && p[0] <= bbox[2] + mx && p[1] >= bbox[1] - my && p[1] <= bbox[3] + my
}

struct Browser {
    state: ViewState,
    map: View,
    socket: Option<ClientId>,
    inbox: VecDeque<Frame>,
}

struct World {
    hub: Hub,
    /// (layer, id) → (position, feature): what is live.
    truth: BTreeMap<(String, String), ([f64; 2], Value)>,
    /// The persisted log, from `log_from` on.
    log: Vec<LiveEvent>,
    log_from: i64,
    browsers: Vec<Browser>,
    next_socket: ClientId,
}

impl World {
    fn new() -> Self {
        let browser = |n| Browser {
            state: ViewState::default(),
            map: view(n, 0),
            socket: None,
            inbox: VecDeque::new(),
        };
        World {
            hub: Hub::new(0, MEMORY),
            truth: BTreeMap::new(),
            log: Vec::new(),
            log_from: 1,
            browsers: vec![browser(0), browser(4)],
            next_socket: 1,
        }
    }

    fn publish(&mut self, layer: &str, id: String, position: Option<[f64; 2]>) {
        let seq = self.hub.last_seq() + 1;
        let key = (layer.to_string(), id.clone());
        let feature = match position {
            Some(p) => {
                let f = json!({"type": "Feature", "id": id, "geometry": {"type": "Point", "coordinates": p}, "properties": {"seq": seq}});
                self.truth.insert(key, (p, f.clone()));
                f
            }
            None => {
                self.truth.remove(&key);
                json!({"type": "Feature", "id": id})
            }
        };
        let ev = LiveEvent {
            seq,
            layer: layer.to_string(),
            op: if position.is_some() {
                Op::Upsert
            } else {
                Op::Delete
            },
            id,
            feature,
            position,
        };
        self.log.push(ev.clone());
        for (socket, frame) in self.hub.publish(ev).expect("in order") {
            if let Some(b) = self.browsers.iter_mut().find(|b| b.socket == Some(socket)) {
                b.inbox.push_back(frame);
            }
        }
    }

    /// What `Live::subscribe` does, without the locks: ask the hub, read the log if it must.
    fn send(&mut self, b: usize, msg: ClientMessage) {
        let ClientMessage::Subscribe {
            bbox,
            layers,
            since,
        } = msg
        else {
            return;
        };
        let Some(socket) = self.browsers[b].socket else {
            return;
        };
        let mut answer = self
            .hub
            .subscribe(socket, bbox, &layers, since, None, LIMITS);
        if let Answer::NeedsLog { after, upto } = answer {
            assert!(
                upto - after <= LIMITS.max_missed as i64,
                "reads a bounded log"
            );
            let older: Vec<LiveEvent> = self
                .log
                .iter()
                .filter(|e| e.seq > after && e.seq <= upto && e.seq >= self.log_from)
                .cloned()
                .collect();
            answer = self
                .hub
                .subscribe(socket, bbox, &layers, since, Some(&older), LIMITS);
        }
        match answer {
            Answer::Frames(frames) => self.browsers[b].inbox.extend(frames),
            Answer::NeedsLog { .. } => panic!("the log was given"),
        }
    }

    fn run(&mut self, step: &Step) {
        match *step {
            Step::Upsert { layer, id, cell } => {
                self.publish(LAYERS[layer], format!("f-{id}"), Some(position(cell)));
            }
            Step::Delete { layer, id } => self.publish(LAYERS[layer], format!("f-{id}"), None),
            Step::Pan {
                client,
                view: v,
                layers,
            } => {
                let map = view(v, layers);
                self.browsers[client].map = map.clone();
                if self.browsers[client].socket.is_some() {
                    if let Some(msg) = self.browsers[client].state.on_view(map) {
                        self.send(client, msg);
                    }
                }
            }
            Step::Deliver { client, frames } => {
                let b = &mut self.browsers[client];
                for _ in 0..frames {
                    let Some(f) = b.inbox.pop_front() else { break };
                    let msg: ServerMessage = serde_json::from_str(&f).expect("a documented frame");
                    b.state.apply(&msg);
                }
            }
            Step::Drop { client } => {
                if let Some(socket) = self.browsers[client].socket.take() {
                    self.hub.disconnect(socket);
                    self.browsers[client].inbox.clear();
                }
            }
            Step::Open { client } => {
                if self.browsers[client].socket.is_none() {
                    self.browsers[client].socket = Some(self.next_socket);
                    self.next_socket += 1;
                    let map = self.browsers[client].map.clone();
                    for msg in self.browsers[client].state.on_open(map) {
                        self.send(client, msg);
                    }
                }
            }
            Step::Trim { events } => {
                self.log_from = (self.log_from + i64::from(events)).min(self.hub.last_seq() + 1);
            }
        }
    }

    /// Every connected client with nothing left to receive holds exactly the truth of its view.
    fn check(&self) -> Result<(), TestCaseError> {
        for b in &self.browsers {
            if b.socket.is_none() || !b.inbox.is_empty() || !b.state.is_synced() {
                continue;
            }
            let held_view = b.state.view().expect("synced");
            prop_assert_eq!(held_view, &b.map, "synced to the map's view");
            for layer in LAYERS {
                // the version of each feature (its seq); coordinates lose their last digit in JSON
                let want: BTreeMap<&str, &Value> = if held_view.layers.iter().any(|l| l == layer) {
                    self.truth
                        .iter()
                        .filter(|((l, _), (p, _))| l == layer && in_view(held_view.bbox, *p))
                        .map(|((_, id), (_, f))| (id.as_str(), &f["properties"]["seq"]))
                        .collect()
                } else {
                    BTreeMap::new()
                };
                let got: BTreeMap<&str, &Value> = b
                    .state
                    .layers
                    .get(layer)
                    .map(|l| {
                        l.iter()
                            .map(|(id, f)| (id.as_str(), &f["properties"]["seq"]))
                            .collect()
                    })
                    .unwrap_or_default();
                prop_assert_eq!(got, want, "layer {}", layer);
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn what_a_client_holds_is_exactly_its_viewport(steps in proptest::collection::vec(step(), 1..60)) {
        let mut world = World::new();
        for s in &steps {
            world.run(s);
            world.check()?;
        }
        // in the end every client connects and receives everything
        for client in 0..2 {
            world.run(&Step::Open { client });
            world.run(&Step::Deliver { client, frames: 255 });
            world.run(&Step::Deliver { client, frames: 255 });
            prop_assert!(world.browsers[client].state.is_synced());
        }
        world.check()?;
    }
}
