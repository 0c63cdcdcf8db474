//! The one lock helper of the server. A panic while a lock is held is caught per request
//! (`guard::catch_panics`), and every update under the server's locks is a single call, so a
//! poisoned lock still holds consistent data: take it rather than fail every later request.

use std::sync::{Mutex, MutexGuard};

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
