//! The live protocol of `GET /ws`, shared by the server and the browser (the incident vocabulary is
//! in `crate::contract::incidents`).
//! `docs/live-protocol.md` documents the frames.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Layers that change in real time. Static layers come from the OGC API.
pub const LIVE_LAYERS: &[&str] = &["incidents", "cameras"];

/// Client → server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ClientMessage {
    /// Sent on connect and whenever the viewport or the layers change.
    Subscribe {
        bbox: [f64; 4],
        layers: Vec<String>,
        /// The last `seq` the client has seen, to resume after a dropped connection.
        #[serde(default)]
        since: Option<i64>,
    },
    Ping,
}

/// Server → client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerMessage {
    Event {
        seq: i64,
        layer: String,
        op: Op,
        feature: Value,
    },
    /// The whole layer for the subscribed viewport: the client replaces what it holds of it.
    Snapshot {
        seq: i64,
        layer: String,
        features: Vec<Value>,
    },
    /// A viewport or layer change on the same socket: the features that entered the new viewport
    /// (current) and the ids of those that left it. `seq` is the log position they are current as
    /// of; it is not an event of its own.
    View {
        seq: i64,
        layer: String,
        upsert: Vec<Value>,
        delete: Vec<String>,
    },
    /// Ends the answer to a subscribe: what the client holds is now exactly the live features of
    /// that subscribe's viewport and layers, as of `seq`.
    Synced {
        seq: i64,
    },
    Pong,
    /// `since` could not be resumed (too old, too far behind, or unknown): snapshots follow.
    Reset,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Upsert,
    Delete,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_the_documented_shape() {
        let sub: ClientMessage =
            serde_json::from_str(r#"{"type":"subscribe","bbox":[106.69,10.77,106.70,10.78],"layers":["incidents"],"since":7}"#)
                .expect("subscribe");
        assert_eq!(
            sub,
            ClientMessage::Subscribe {
                bbox: [106.69, 10.77, 106.70, 10.78],
                layers: vec!["incidents".into()],
                since: Some(7)
            }
        );
        let ping: ClientMessage = serde_json::from_str(r#"{"type":"ping"}"#).expect("ping");
        assert_eq!(ping, ClientMessage::Ping);
        let ev = ServerMessage::Event {
            seq: 3,
            layer: "incidents".into(),
            op: Op::Delete,
            feature: serde_json::json!({"id": "inc-1"}),
        };
        assert_eq!(
            serde_json::to_string(&ev).expect("json"),
            r#"{"type":"event","seq":3,"layer":"incidents","op":"delete","feature":{"id":"inc-1"}}"#
        );
        assert_eq!(
            serde_json::to_string(&ServerMessage::Reset).expect("json"),
            r#"{"type":"reset"}"#
        );
    }
}
