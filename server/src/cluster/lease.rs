//! Work done once per cluster: a job runs on one node at a time, the node that holds its lease, and
//! moves to another node when that one dies.
//!
//! A lease is a PostgreSQL session-level advisory lock (`pg_try_advisory_lock`) held on a connection
//! of its own. PostgreSQL releases it when that session ends: a node that exits or is killed closes
//! its socket and the lock is free at once; the other nodes try every [`RETRY`] and one of them takes
//! it. Why advisory locks and not NATS KV: `docs/design/decisions/0007-leases-as-advisory-locks.md`.
//!
//! While it holds a lease, a node checks the connection every [`CHECK`]; when the check fails (the
//! database restarted, the connection broke) the lock is gone with the session, so the job is
//! stopped here at once and the node goes back to trying.

use std::future::Future;
use std::time::Duration;

use sqlx::{Connection, PgConnection, PgPool};
use tokio::task::JoinHandle;

/// A lease's name (for the log) and its key. Keys are the second half of the advisory lock's two
/// `int4` keys, under the cluster's class ([`class_of`]); a key is never reused for another job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    pub name: &'static str,
    pub key: i32,
}

/// Sign-in records and idempotency keys past their time.
pub const HOUSEKEEPING: Lease = Lease {
    name: "housekeeping",
    key: 1,
};
/// The patrol vehicles' simulator (`cameras::vehicles`).
pub const VEHICLES: Lease = Lease {
    name: "vehicle simulator",
    key: 2,
};
/// The camera probe: unwatched cameras' online/offline (`video::probe`).
pub const PROBE: Lease = Lease {
    name: "camera probe",
    key: 3,
};
/// Trimming and vacuuming the live event log (`live`).
pub const LIVE_LOG: Lease = Lease {
    name: "live log trimming",
    key: 4,
};
/// Closed incidents leaving the live layer after their linger (`incidents::expiry`).
pub const EXPIRY: Lease = Lease {
    name: "closed-incident expiry",
    key: 5,
};

/// The first of the advisory lock's two keys for a cluster's leases: FNV-1a of `ioc-map lease:` and
/// the cluster's name, so that two clusters on one database, or another application's advisory
/// locks, do not meet. Stable across builds and platforms.
pub fn class_of(cluster: &str) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in b"ioc-map lease:".iter().chain(cluster.as_bytes()) {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    i32::from_ne_bytes(h.to_ne_bytes())
}

/// How often a node that does not hold a lease tries to take it.
pub const RETRY: Duration = Duration::from_secs(1);
/// How often the holder checks that its lease's connection (and so the lease) is still there.
pub const CHECK: Duration = Duration::from_secs(1);
/// How long a node waits before it tries again after its job ended by itself (say, the simulator
/// found no routes), so a job that cannot run does not restart every second.
pub const AFTER_END: Duration = Duration::from_secs(30);

/// The lease's loop on this node. It runs for as long as the runtime does; [`Held::stop`] stops the
/// job here and gives the lease up (its connection closes), as a node's death would.
pub struct Held {
    task: JoinHandle<()>,
}

impl Held {
    pub fn stop(self) {
        self.task.abort();
    }
}

/// Aborts the job's task when the loop that holds the lease stops, however it stops.
struct Job(JoinHandle<()>);

impl Drop for Job {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs the job `start` makes on this node whenever this node holds `lease` of `cluster`, for as
/// long as the server runs. Each node of the cluster calls this for the same lease; one runs it.
pub fn run<F, Fut>(pool: PgPool, cluster: &str, lease: Lease, start: F) -> Held
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_while(pool, cluster, lease, || true, start)
}

/// As [`run`], for as long as `alive` says (checked every [`CHECK`]): a service that owns a job (the
/// live service its log's trimming) stops it, and gives its lease up, when it goes.
pub fn run_while<A, F, Fut>(pool: PgPool, cluster: &str, lease: Lease, alive: A, start: F) -> Held
where
    A: Fn() -> bool + Send + Sync + 'static,
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let class = class_of(cluster);
    let task = tokio::spawn(async move {
        while alive() {
            let wait = match take(&pool, class, lease).await {
                Ok(Some(mut conn)) => {
                    tracing::info!(lease = lease.name, "lease taken: the job runs on this node");
                    let mut job = Job(tokio::spawn(start()));
                    tokio::select! {
                        e = lost(&mut conn, &alive) => {
                            match e {
                                Some(e) => tracing::warn!(lease = lease.name, error = %e, "lease lost: the job stops on this node"),
                                None => { let _ = conn.close().await; }
                            }
                            RETRY
                        }
                        _ = &mut job.0 => {
                            tracing::info!(lease = lease.name, "the job ended; the lease is given up");
                            let _ = conn.close().await;
                            AFTER_END
                        }
                    }
                }
                Ok(None) => RETRY,
                Err(e) => {
                    tracing::debug!(lease = lease.name, error = %e, "could not try the lease");
                    RETRY
                }
            };
            tokio::time::sleep(wait).await;
        }
    });
    Held { task }
}

/// The lease's connection if this node took it; `None` if another node holds it.
async fn take(
    pool: &PgPool,
    class: i32,
    lease: Lease,
) -> Result<Option<PgConnection>, sqlx::Error> {
    // a connection of its own: the lock lives as long as this session, not a pooled one's
    let mut conn = pool.acquire().await?.detach();
    let taken = sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_lock($1, $2) AS "taken!""#,
        class,
        lease.key
    )
    .fetch_one(&mut conn)
    .await?;
    if taken {
        Ok(Some(conn))
    } else {
        let _ = conn.close().await;
        Ok(None)
    }
}

/// Returns when the lease's connection no longer answers (the session, and so the lock, is gone:
/// the error), or when its owner is gone (`None`).
async fn lost(conn: &mut PgConnection, alive: &impl Fn() -> bool) -> Option<sqlx::Error> {
    loop {
        tokio::time::sleep(CHECK).await;
        if !alive() {
            return None;
        }
        if let Err(e) = conn.ping().await {
            return Some(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cluster_has_its_own_stable_class() {
        // FNV-1a is fixed: a node of a newer build meets the older nodes' leases
        assert_eq!(class_of("ioc-map"), class_of("ioc-map"));
        assert_ne!(class_of("ioc-map"), class_of("ioc-map-staging"));
        let keys = [HOUSEKEEPING, VEHICLES, PROBE, LIVE_LOG, EXPIRY].map(|l| l.key);
        let mut unique = keys.to_vec();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "a lease key is used twice");
    }
}
