//! A short memory (30 s) of valid sessions, so a burst of requests — thousands of operators'
//! live maps reconnecting at once after a restart — does not queue one database lookup each.
//! Signing out, and any change an admin makes to a user, forgets the entries at once (through
//! `revoke::end`, after the change has committed), and rights read before such an ending are never
//! remembered: `put` takes the ending generation read before the lookup.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use app::model::SessionUser;

use super::revoke::Endings;

pub const TTL: Duration = Duration::from_secs(30);
const MAX_ENTRIES: usize = 100_000;

type Entries = HashMap<Vec<u8>, (SessionUser, Instant)>;

/// One server's remembered sessions (`AppState::rights`).
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<Entries>,
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        crate::sync::lock(&self.entries)
    }

    /// The user of a session token digest, if seen valid within the TTL.
    pub fn get(&self, digest: &[u8]) -> Option<SessionUser> {
        let mut e = self.lock();
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
    pub fn put(&self, digest: Vec<u8>, user: SessionUser, generation: u64, endings: &Endings) {
        let mut e = self.lock();
        if endings.generation() != generation {
            return;
        }
        if e.len() >= MAX_ENTRIES {
            e.clear();
        }
        e.insert(digest, (user, Instant::now()));
    }

    pub fn forget(&self, digest: &[u8]) {
        self.lock().remove(digest);
    }

    /// Forgets every session of a user (disabled, role changed, password changed).
    pub fn forget_user(&self, id: i64) {
        self.lock().retain(|_, (u, _)| u.id != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::Role;

    fn user(id: i64) -> SessionUser {
        SessionUser {
            id,
            username: "cache-test".into(),
            display_name: String::new(),
            role: Role::Operator,
        }
    }

    #[test]
    fn sessions_are_remembered_until_forgotten() {
        let (cache, endings) = (SessionCache::default(), Endings::default());
        cache.put(b"token".to_vec(), user(42), endings.generation(), &endings);
        assert_eq!(cache.get(b"token"), Some(user(42)));
        cache.forget_user(42);
        assert_eq!(cache.get(b"token"), None);
    }

    #[test]
    fn rights_read_before_an_ending_are_not_remembered() {
        let (cache, endings) = (SessionCache::default(), Endings::default());
        // a lookup starts, the user is demoted and forgotten, then the lookup's answer arrives
        let before = endings.generation();
        super::super::revoke::tests::record_user(&endings, 43);
        cache.put(b"race".to_vec(), user(43), before, &endings);
        assert_eq!(cache.get(b"race"), None);
    }
}
