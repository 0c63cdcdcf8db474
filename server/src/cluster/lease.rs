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
/// `int4` keys, under [`CLASS`]; a key is never reused for another job.
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

/// The first of the advisory lock's two keys for every ioc-map lease ("IOC" in ASCII), so that a
/// lease cannot meet another application's advisory locks on a shared database.
pub const CLASS: i32 = 0x0049_4F43;

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

/// Runs the job `start` makes on this node whenever this node holds `lease`, for as long as the
/// returned [`Held`] lives. Each node of the cluster calls this for the same lease; one runs it.
pub fn run<F, Fut>(pool: PgPool, lease: Lease, start: F) -> Held
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let task = tokio::spawn(async move {
        loop {
            let wait = match take(&pool, lease).await {
                Ok(Some(mut conn)) => {
                    tracing::info!(lease = lease.name, "lease taken: the job runs on this node");
                    let mut job = Job(tokio::spawn(start()));
                    tokio::select! {
                        e = lost(&mut conn) => {
                            tracing::warn!(lease = lease.name, error = %e, "lease lost: the job stops on this node");
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
async fn take(pool: &PgPool, lease: Lease) -> Result<Option<PgConnection>, sqlx::Error> {
    // a connection of its own: the lock lives as long as this session, not a pooled one's
    let mut conn = pool.acquire().await?.detach();
    let taken = sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_lock($1, $2) AS "taken!""#,
        CLASS,
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

/// Returns when the lease's connection no longer answers: the session, and so the lock, is gone.
async fn lost(conn: &mut PgConnection) -> sqlx::Error {
    loop {
        tokio::time::sleep(CHECK).await;
        if let Err(e) = conn.ping().await {
            return e;
        }
    }
}
