//! Work done once per cluster: two "nodes" (each its own pool on the same database) ask for the
//! same lease; exactly one runs the job, and when it goes the other takes over within a few seconds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;

use server::cluster::lease::{self, Lease};

use crate::common::{database_url, unique_cluster};

/// A job that counts how often it ran on its node, every 50 ms.
fn counting(
    ran: Arc<AtomicUsize>,
) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + 'static {
    move || {
        let ran = ran.clone();
        Box::pin(async move {
            loop {
                ran.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    }
}

/// Waits until `ready` holds, up to `within`.
async fn eventually(within: Duration, ready: impl Fn() -> bool) -> bool {
    let until = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < until {
        if ready() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ready()
}

#[tokio::test]
async fn a_lease_runs_its_job_on_one_node_and_moves_when_that_node_goes() {
    // a cluster of this test alone: the other tests' servers hold their leases in the same database
    let cluster = unique_cluster();
    let test_lease = Lease {
        name: "test job",
        key: 9_000,
    };
    let (node_a, node_b) = (
        PgPool::connect(&database_url()).await.expect("pool a"),
        PgPool::connect(&database_url()).await.expect("pool b"),
    );
    let (ran_a, ran_b) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let held_a = lease::run(node_a, &cluster, test_lease, counting(ran_a.clone()));
    let held_b = lease::run(node_b, &cluster, test_lease, counting(ran_b.clone()));

    let one_runs = || ran_a.load(Ordering::SeqCst) + ran_b.load(Ordering::SeqCst) > 0;
    assert!(
        eventually(Duration::from_secs(10), one_runs).await,
        "neither node took the lease"
    );
    // give the other node several tries at the lease it must not get
    tokio::time::sleep(lease::RETRY * 3).await;
    let (a, b) = (ran_a.load(Ordering::SeqCst), ran_b.load(Ordering::SeqCst));
    assert!(
        (a > 0) != (b > 0),
        "exactly one node runs the job: a ran {a} times, b {b} times"
    );

    // the holder goes (as a node that dies: its lease's connection closes)
    let (holder_ran, other_ran, other) = if a > 0 {
        held_a.stop();
        (ran_a, ran_b, held_b)
    } else {
        held_b.stop();
        (ran_b, ran_a, held_a)
    };
    let stopped_at = holder_ran.load(Ordering::SeqCst);
    let taken_over = || other_ran.load(Ordering::SeqCst) > 0;
    assert!(
        eventually(lease::RETRY * 5, taken_over).await,
        "the other node did not take the lease over within {:?}",
        lease::RETRY * 5
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        holder_ran.load(Ordering::SeqCst) <= stopped_at + 1,
        "the job must stop on the node that gave the lease up"
    );
    other.stop();
}

#[tokio::test]
async fn a_job_that_ends_by_itself_gives_its_lease_up() {
    let cluster = unique_cluster();
    let test_lease = Lease {
        name: "test job that ends",
        key: 8_000,
    };
    let node_a = PgPool::connect(&database_url()).await.expect("pool a");
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = ran.clone();
    let held = lease::run(node_a, &cluster, test_lease, move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    assert!(
        eventually(Duration::from_secs(10), || ran.load(Ordering::SeqCst) == 1).await,
        "the job never ran"
    );
    // once it has ended, another node may take the lease at once
    let node_b = PgPool::connect(&database_url()).await.expect("pool b");
    let free = || async {
        sqlx::query_scalar::<_, bool>(
            "SELECT pg_try_advisory_lock($1, $2) AND pg_advisory_unlock($1, $2)",
        )
        .bind(lease::class_of(&cluster))
        .bind(test_lease.key)
        .fetch_one(&node_b)
        .await
        .expect("try the lock")
    };
    let mut given_up = false;
    for _ in 0..40 {
        if free().await {
            given_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(given_up, "the lease stayed taken after its job ended");
    held.stop();
}
