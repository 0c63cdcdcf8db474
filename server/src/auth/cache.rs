//! A short memory (30 s) of valid sessions, so a burst of requests — thousands of operators'
//! live maps reconnecting at once after a restart — does not queue one database lookup each.
//! Signing out, and any change an admin makes to a user, forgets the entries at once (through
//! `revoke::end`, after the change has committed), and rights read before such an ending are never
//! remembered: `put` takes the ending generation read before the lookup.

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

/// Remembers a session's user, unless an ending was recorded since `generation` (read before the
/// lookup): the lookup may have read rights that are gone. Checked under the cache's lock, and
/// endings are recorded before they forget, so no stale entry can survive either order.
pub fn put(digest: Vec<u8>, user: SessionUser, generation: u64) {
    let mut e = entries();
    if super::revoke::generation() != generation {
        return;
    }
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
        // other tests record endings at the same time, which rightly refuse a put: try again
        for _ in 0..1000 {
            put(
                b"cache-test-token".to_vec(),
                u.clone(),
                super::super::revoke::generation(),
            );
            if get(b"cache-test-token").is_some() {
                break;
            }
        }
        assert_eq!(get(b"cache-test-token"), Some(u));
        forget_user(424242);
        assert_eq!(get(b"cache-test-token"), None);
    }

    #[test]
    fn rights_read_before_an_ending_are_not_remembered() {
        let u = SessionUser {
            id: 424243,
            username: "cache-race".into(),
            display_name: String::new(),
            role: Role::Operator,
        };
        // a lookup starts, the user is demoted and forgotten, then the lookup's answer arrives
        let before = super::super::revoke::generation();
        super::super::revoke::tests_record_user(424243);
        put(b"cache-race-token".to_vec(), u, before);
        assert_eq!(get(b"cache-race-token"), None);
    }
}
