//! The hub's rules, case by case (the property test is `hub_props.rs`).

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

const LIMITS: ResumeLimits = ResumeLimits {
    max_missed: 1000,
    max_frames: 1000,
};

/// The frames of an answer that needs no persisted log.
fn frames(hub: &mut Hub, client: ClientId, bbox: [f64; 4], since: Option<i64>) -> Vec<Frame> {
    match hub.subscribe(client, bbox, &layers(), since, None, LIMITS) {
        Answer::Frames(f) => f,
        other @ Answer::NeedsLog { .. } => panic!("{other:?}"),
    }
}

#[test]
fn events_reach_only_clients_that_see_them() {
    let mut hub = Hub::new(0, 100);
    frames(&mut hub, 1, VIEW_A, None);
    frames(&mut hub, 2, VIEW_B, None);
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
    let Answer::Frames(frames) = hub.subscribe(
        7,
        VIEW_A,
        &["cameras".into(), "incidents".into()],
        None,
        None,
        LIMITS,
    ) else {
        panic!("frames expected")
    };
    assert_eq!(frames.len(), 3);
    assert!(frames[0].contains("\"layer\":\"cameras\"") && frames[0].contains("cam-1"));
    assert!(frames[1].contains("inc-a") && !frames[1].contains("inc-b"));
    assert!(frames[2].contains("\"type\":\"synced\""));
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
    // memory keeps seq 3..=5: since 2 and later resume from memory, since 1 needs the log
    let f = frames(&mut hub, 1, VIEW_A, Some(3));
    assert_eq!(f.len(), 3);
    assert!(f[0].contains("\"seq\":4") && f[1].contains("\"seq\":5"));
    assert!(f[2].contains("synced"));
    assert_eq!(frames(&mut hub, 2, VIEW_A, Some(2)).len(), 4);
    assert_eq!(
        hub.subscribe(3, VIEW_A, &layers(), Some(1), None, LIMITS),
        Answer::NeedsLog { after: 1, upto: 2 }
    );
    // the log has it: replayed from there; the log has lost it: reset and snapshots
    let log = [ev(2, "inc-2", Op::Upsert, Some([106.695, 10.775]))];
    let Answer::Frames(f) = hub.subscribe(3, VIEW_A, &layers(), Some(1), Some(&log), LIMITS) else {
        panic!("frames")
    };
    assert_eq!(f.len(), 5);
    assert!(f[0].contains("inc-2"));
    let Answer::Frames(f) = hub.subscribe(4, VIEW_A, &layers(), Some(0), Some(&log), LIMITS) else {
        panic!("frames")
    };
    assert_eq!(&*f[0], r#"{"type":"reset"}"#);
    assert!(f[1].contains("snapshot"));
    // a since from the future, or too far behind, resets without asking for the log
    assert_eq!(
        &*frames(&mut hub, 5, VIEW_A, Some(99))[0],
        r#"{"type":"reset"}"#
    );
    let tight = ResumeLimits {
        max_missed: 1,
        max_frames: 1000,
    };
    let Answer::Frames(f) = hub.subscribe(6, VIEW_A, &layers(), Some(1), None, tight) else {
        panic!("frames")
    };
    assert_eq!(&*f[0], r#"{"type":"reset"}"#);
    // replay outside the viewport becomes one delete per feature
    let f = frames(&mut hub, 8, VIEW_B, Some(4));
    assert!(f[0].contains("\"op\":\"delete\""));
}

#[test]
fn a_pan_sends_what_entered_and_what_left() {
    let mut hub = Hub::new(0, 100);
    hub.load(
        "incidents",
        "in-a",
        json!({"id": "in-a"}),
        [106.695, 10.775],
    );
    hub.load(
        "incidents",
        "in-b",
        json!({"id": "in-b"}),
        [106.705, 10.785],
    );
    let f = frames(&mut hub, 1, VIEW_A, None);
    assert!(f[0].contains("in-a"));
    // same socket, new viewport: a view frame, whatever since says
    let f = frames(&mut hub, 1, VIEW_B, Some(0));
    assert_eq!(f.len(), 2);
    let view: ServerMessage = serde_json::from_str(&f[0]).expect("view");
    assert_eq!(
        view,
        ServerMessage::View {
            seq: 0,
            layer: "incidents".into(),
            upsert: vec![json!({"id": "in-b"})],
            delete: vec!["in-a".into()],
        }
    );
    // the same viewport again: nothing to change
    assert_eq!(frames(&mut hub, 1, VIEW_B, None).len(), 1);
}
