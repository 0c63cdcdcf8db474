//! The one lock helper of the server, and [`AbortOnDrop`]. A panic while a lock is held is caught per request
//! (`guard::catch_panics`), and every update under the server's locks is a single call, so a
//! poisoned lock still holds consistent data: take it rather than fail every later request.

use std::sync::{Mutex, MutexGuard};

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Aborts a task when dropped: a task that serves something (a socket's writer, a lease's renewal)
/// must end with whatever owns it, even when that owner is cancelled rather than finished.
pub struct AbortOnDrop(pub tokio::task::AbortHandle);

impl<T> From<tokio::task::JoinHandle<T>> for AbortOnDrop {
    fn from(task: tokio::task::JoinHandle<T>) -> AbortOnDrop {
        AbortOnDrop(task.abort_handle())
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
