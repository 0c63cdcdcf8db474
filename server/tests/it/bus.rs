//! Two nodes' live services on one database share events over the real NATS JetStream on
//! 127.0.0.1:4222 (`make test` starts it). Node B polls the log only once a minute here, so an event
//! that reaches it within seconds came over the bus; the stream may be purged, and a message lost
//! between commit and bus, without B missing or reordering anything (it reads gaps from the log).

use std::time::{Duration, Instant};

use serde_json::json;

use app::live_types::Op;
use server::cluster::bus::Bus;
use server::live::{self, hub::LiveEvent, Live, LiveConfig};

use crate::common::{pool, unique_cluster};

const NATS: &str = "nats://127.0.0.1:4222";

fn node_config(cluster: &str) -> LiveConfig {
    LiveConfig {
        cluster: cluster.to_string(),
        poll_every: Duration::from_secs(60),
        poll_with_bus: Duration::from_secs(60),
        ..LiveConfig::default()
    }
}

/// Records one event of a layer no client subscribes to (so no other test sees it), committed.
async fn commit_event(pool: &sqlx::PgPool, id: &str) -> LiveEvent {
    let mut tx = pool.begin().await.expect("begin");
    let ev = live::record(&mut tx, "bus-test", Op::Delete, id, json!({"id": id}), None)
        .await
        .expect("record");
    tx.commit().await.expect("commit");
    ev
}

/// How long until `node` has published `seq`, if it does within `within`.
async fn reaches(node: &Live, seq: i64, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < within {
        if node.last_seq() >= seq {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

#[tokio::test]
async fn an_event_committed_on_one_node_reaches_another_over_jetstream_and_a_purge_loses_nothing() {
    let cluster = unique_cluster();
    let db = pool().await;
    let node_a = Live::start(db.clone(), node_config(&cluster))
        .await
        .expect("node a");
    let node_b = Live::start(db.clone(), node_config(&cluster))
        .await
        .expect("node b");
    for node in [&node_a, &node_b] {
        let bus = Bus::connect(NATS, &cluster)
            .await
            .expect("NATS with JetStream must run on 127.0.0.1:4222 (make test starts it)");
        node.attach_bus(bus).await.expect("join the bus");
    }

    // 1. committed and published on A: B has it well before its next poll
    let first = commit_event(&db, "one").await;
    node_a.publish(first.clone()).await;
    let took = reaches(&node_b, first.seq, Duration::from_secs(5))
        .await
        .expect("the event did not reach node B over the bus (B polls only once a minute)");
    println!("bus: commit on node A → published on node B in {took:?}");

    // 2. the stream is purged, and one event is lost between its commit and the bus (A never
    //    publishes it); the next one still arrives, and B reads the lost one from the log first
    let bus = Bus::connect(NATS, &cluster).await.expect("bus");
    bus.purge().await.expect("purge the stream");
    let lost = commit_event(&db, "lost").await;
    let third = commit_event(&db, "three").await;
    node_a.publish(third.clone()).await;
    reaches(&node_b, third.seq, Duration::from_secs(5))
        .await
        .expect("after a purge, the next event still reaches node B");
    assert!(
        node_b.last_seq() >= lost.seq,
        "the hub publishes in seq order with no gap, so B has the lost event too"
    );
}
