//! A short memory (30 s) of valid sessions, so a burst of requests — thousands of operators'
//! live maps reconnecting at once after a restart — does not queue one database lookup each.
//! Signing out, and any change an admin makes to a user, forgets the entries at once.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use app::model::SessionUser;

pub const TTL: Duration = Duration::from_secs(30);
const MAX_ENTRIES: usize = 100_000;

type Entries = HashMap<Vec<u8>, (SessionUser, Instant)>;

fn entries() -> std::sync::MutexGuard<'static, Entries> {
    static CACHE: OnceLock<Mutex<Entries>> = OnceLock::new();
    CACHE
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// The user of a session token digest, if seen valid within the TTL.
pub fn get(digest: &[u8]) -> Option<SessionUser> {
    let mut e = entries();
    match e.get(digest) {
        Some((u, at)) if at.elapsed() < TTL => Some(u.clone()),
        Some(_) => {
            e.remove(digest);
            None
        }
        None => None,
    }
}

pub fn put(digest: Vec<u8>, user: SessionUser) {
    let mut e = entries();
    if e.len() >= MAX_ENTRIES {
        e.clear();
    }
    e.insert(digest, (user, Instant::now()));
}

pub fn forget(digest: &[u8]) {
    entries().remove(digest);
}

/// Forgets every session of a user (disabled, role changed, password changed).
pub fn forget_user(id: i64) {
    entries().retain(|_, (u, _)| u.id != id);
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::Role;

    #[test]
    fn sessions_are_remembered_until_forgotten() {
        let u = SessionUser {
            id: 424242,
            username: "cache-test".into(),
            display_name: String::new(),
            role: Role::Operator,
        };
        put(b"cache-test-token".to_vec(), u.clone());
        assert_eq!(get(b"cache-test-token"), Some(u));
        forget_user(424242);
        assert_eq!(get(b"cache-test-token"), None);
    }
}
