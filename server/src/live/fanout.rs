//! Where the live sockets' writers run: a tokio runtime of their own whose threads run at a lower
//! CPU priority (nice 10) than the server's requests (issue #11, "one node, fast").
//!
//! Why: an event reaches hundreds of clients, and each delivery is a socket write (on loopback the
//! kernel's send also does the receiver's TCP work). On the request runtime those writers queued in
//! front of the HTTP handlers' every database await, so a change's own round trip grew with the
//! fan-out (ws-bench: p50 21–40 ms, p99 up to 965 ms at 10,000 clients). On their own niced threads
//! the kernel runs the requests first and the writers in whatever the core has left; the writers
//! still use every idle cycle, so the fan-out is no slower when requests are few.
//!
//! The sockets stay registered with the request runtime's I/O driver (where axum accepted them);
//! only the tasks that write them are polled here. Before [`init`] (unit tests of the hub), writers
//! are spawned on the current runtime.

use std::future::Future;
use std::sync::OnceLock;

static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// The nice value of the writers' threads (0 is the default; higher runs later).
pub const NICE: i32 = 10;

/// Starts the writers' runtime with `threads` threads (once per process; later calls keep the
/// first). A thread whose priority cannot be lowered still runs, at the normal priority.
pub fn init(threads: usize) {
    if RUNTIME.get().is_some() {
        return;
    }
    let built = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .thread_name("ioc-fanout")
        .enable_all()
        .on_thread_start(|| {
            // on Linux the nice value is per thread: this lowers only the writer's own thread
            if let Err(e) = rustix::process::setpriority_process(None, NICE) {
                tracing::debug!(error = %e, "the fan-out thread keeps the normal priority");
            }
        })
        .build();
    match built {
        Ok(rt) => {
            // two first calls at once: the loser's runtime is dropped unused (outside async code)
            if let Err(extra) = RUNTIME.set(rt) {
                std::thread::spawn(move || drop(extra));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "no fan-out runtime: the writers share the request runtime");
        }
    }
}

/// Spawns a socket writer on the writers' runtime (or on the current one before [`init`]).
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match RUNTIME.get() {
        Some(rt) => rt.spawn(future),
        None => tokio::spawn(future),
    }
}
