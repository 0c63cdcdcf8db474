//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes), off the async threads.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use crate::error::ApiError;

/// Password work (argon2id, 19 MiB and tens of milliseconds of one core each) is the most expensive
/// thing an anonymous client can ask for, so at most [`workers`] checks run at once in this process and
/// only a short queue may wait for them; past that, [`Busy`] at once (a 503 with `Retry-After`), so a
/// flood costs a bounded amount of memory and a real operator's sign-in still finds a free worker.
struct Gate {
    workers: tokio::sync::Semaphore,
    /// Checks waiting for a worker right now.
    waiting: AtomicUsize,
    max_waiting: usize,
    /// Checks of usernames that do not exist (the dummy hash) first need a place in this lane, half
    /// the workers: a flood of made-up usernames from many addresses can then hold at most half the
    /// workers and queue at most that many checks ahead of a real user's. (The price: under such a
    /// flood an unknown username is answered "busy" more often than a known one.)
    unknown_lane: tokio::sync::Semaphore,
    unknown_waiting: AtomicUsize,
}

/// Every password worker is busy and the queue is full; try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// How long a check may wait for a worker before it gives up with [`Busy`].
const MAX_WAIT: Duration = Duration::from_secs(2);

static GATE: OnceLock<Gate> = OnceLock::new();

/// Sets the number of concurrent password checks (`IOC_PASSWORD_WORKERS`); call once at start-up,
/// before the first check. Without it: the number of cores, at least 2.
pub fn configure(workers: usize) {
    let _ = GATE.set(Gate::new(workers));
}

fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(std::num::NonZero::get)
        .unwrap_or(2)
        .max(2)
}

fn gate() -> &'static Gate {
    GATE.get_or_init(|| Gate::new(default_workers()))
}

impl Gate {
    fn new(workers: usize) -> Self {
        let workers = workers.max(1);
        Self {
            workers: tokio::sync::Semaphore::new(workers),
            waiting: AtomicUsize::new(0),
            // enough for a shift change signing in together, small enough to answer a flood quickly
            max_waiting: workers * 4,
            unknown_lane: tokio::sync::Semaphore::new((workers / 2).max(1)),
            unknown_waiting: AtomicUsize::new(0),
        }
    }

    /// A worker for one check (for an unknown username, also a place in the unknown lane).
    async fn place(&'static self, unknown_user: bool) -> Result<Place, Busy> {
        let lane = if unknown_user {
            Some(place(&self.unknown_lane, &self.unknown_waiting, self.max_waiting).await?)
        } else {
            None
        };
        let worker = place(&self.workers, &self.waiting, self.max_waiting).await?;
        Ok(Place {
            _worker: worker,
            _lane: lane,
        })
    }
}

/// A password worker held for one check: taken before the check is recorded, so that a busy
/// server answers "busy" without writing anything.
pub struct Place {
    _worker: tokio::sync::SemaphorePermit<'static>,
    _lane: Option<tokio::sync::SemaphorePermit<'static>>,
}

/// Waits for a worker (see [`Gate`]); `unknown_user` when the username does not exist.
pub async fn place_for(unknown_user: bool) -> Result<Place, Busy> {
    gate().place(unknown_user).await
}

/// Runs `work` on a blocking thread with the worker `place`.
async fn run_in<T: Send + 'static>(
    place: Place,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Busy> {
    let done = tokio::task::spawn_blocking(move || {
        let out = work();
        drop(place);
        out
    })
    .await;
    done.map_err(|e| {
        tracing::error!(error = %e, "password task failed");
        Busy
    })
}

/// A permit of `sem` at once, or after waiting at most [`MAX_WAIT`] with at most `max_waiting` others.
async fn place(
    sem: &'static tokio::sync::Semaphore,
    waiting: &AtomicUsize,
    max_waiting: usize,
) -> Result<tokio::sync::SemaphorePermit<'static>, Busy> {
    if let Ok(p) = sem.try_acquire() {
        return Ok(p);
    }
    /// Counts one waiter for as long as it lives: a request dropped while it waits (the client
    /// hung up, the request timed out) must not leave the count up for good.
    struct Waiting<'a>(&'a AtomicUsize);
    impl Drop for Waiting<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let me = Waiting(waiting);
    if waiting.fetch_add(1, Ordering::SeqCst) >= max_waiting {
        return Err(Busy);
    }
    let got = tokio::time::timeout(MAX_WAIT, sem.acquire()).await;
    drop(me);
    match got {
        Ok(Ok(p)) => Ok(p),
        _ => Err(Busy),
    }
}

impl From<Busy> for ApiError {
    fn from(_: Busy) -> Self {
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            format!("the server is busy checking passwords; try again in {RETRY_AFTER_SECS} s"),
        )
    }
}

/// What a [`Busy`] answer asks the client to wait, in seconds.
pub const RETRY_AFTER_SECS: u64 = 1;

/// A 503 with `Retry-After` for a [`Busy`] gate.
pub fn busy_response() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(
            axum::http::header::RETRY_AFTER,
            RETRY_AFTER_SECS.to_string(),
        )],
        ApiError::from(Busy),
    )
        .into_response()
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    let place = place_for(false).await?;
    run_in(place, move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await?
    .map_err(|e| ApiError::unavailable("password hashing failed").because(e))
}

/// True when `password` matches `hash`. With no hash (unknown user) a dummy hash is checked, so an
/// unknown user takes as long as a wrong password (and costs the same worker).
pub async fn verify(hash: Option<String>, password: String) -> Result<bool, Busy> {
    let place = place_for(hash.is_none()).await?;
    verify_in(place, hash, password).await
}

/// [`verify`] on a worker already held.
pub async fn verify_in(place: Place, hash: Option<String>, password: String) -> Result<bool, Busy> {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$pL0pT8c6xZ7B0W1S8m8w0b5o5m0d3Q8r8JcYl0N8cWQ";
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY.to_string());
    let ok = run_in(place, move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await?;
    Ok(known && ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert_eq!(
            verify(Some(h.clone()), "correct horse battery".into()).await,
            Ok(true)
        );
        assert_eq!(
            verify(Some(h), "wrong horse battery".into()).await,
            Ok(false)
        );
        assert_eq!(
            verify(None, "correct horse battery".into()).await,
            Ok(false)
        );
    }
}
