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

/// One node of `cluster` on the test database, on the bus: its router and address.
async fn node(cluster: &str) -> (axum::Router, std::net::SocketAddr) {
    let db = pool().await;
    let live = Live::start(db.clone(), node_config(cluster))
        .await
        .expect("live");
    let mut config = crate::common::config(crate::common::database_url());
    config.cluster = cluster.to_string();
    let state = server::AppState::on(db, config, live.clone()).expect("the services start");
    let bus = Bus::connect(NATS, cluster).await.expect("NATS");
    live.attach_bus(bus.clone()).await.expect("live on the bus");
    server::auth::revoke::join_bus(&state, bus)
        .await
        .expect("rights on the bus");
    let app = server::router(state);
    let addr = crate::common::serve(app.clone()).await;
    (app, addr)
}

#[tokio::test]
async fn rights_taken_away_on_one_node_end_sockets_on_another() {
    use crate::rights::{closed_within, cookie_of, new_operator, patch_user, socket};
    let cluster = unique_cluster();
    let (app_a, _) = node(&cluster).await;
    let (app_b, addr_b) = node(&cluster).await;
    let id = new_operator(&app_a, "bus-rights").await;
    // a session signed in on node A, its socket on node B; signing out on A closes it on B
    let signed_in_on_a = cookie_of(&app_a, "bus-rights", "rights-test-2026").await;
    let mut on_b = socket(addr_b, ("cookie", &signed_in_on_a)).await;
    let out = crate::common::send(
        &app_a,
        crate::common::json_request("DELETE", "/api/session", &json!({}), Some(&signed_in_on_a)),
    )
    .await;
    assert_eq!(out.status, 204);
    let (took, reason) = closed_within(&mut on_b)
        .await
        .expect("signing out on node A closes the session's socket on node B");
    assert!(reason.contains("signed out"), "{reason}");
    println!("bus: sign-out on node A closed the socket on node B in {took:.2?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    // disabling the user on node A closes their other session's socket on node B
    let on_b_cookie = cookie_of(&app_b, "bus-rights", "rights-test-2026").await;
    let mut again = socket(addr_b, ("cookie", &on_b_cookie)).await;
    patch_user(&app_a, id, json!({"disabled": true})).await;
    let (took, _) = closed_within(&mut again)
        .await
        .expect("disabling on node A closes the user's socket on node B");
    println!("bus: disabling on node A closed the socket on node B in {took:.2?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}
