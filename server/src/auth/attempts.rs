//! How often anyone may try to sign in: the rules around a password check.
//!
//! An attempt goes through three doors, cheapest first:
//! 1. **In flight per address** (this process): an address may have only a couple of checks running or
//!    queued at once, so one client's flood cannot take every password worker ([`InFlight`]).
//! 2. **A password worker** (this process): one of a few, after a short wait at most, or "busy"
//!    (503) with nothing written; unknown usernames may hold only half of them
//!    (`password::place_for`).
//! 3. **Counts in PostgreSQL** (every process): the attempt is recorded *before* its password is
//!    checked, under a per-address advisory lock, so parallel guesses cannot all pass a count read
//!    before any of them was written; at most `per_user` attempts per username and address and
//!    `per_address` failed attempts per address are checked within the window
//!    (`store::reserve_attempt`). A success deletes that user's records from that address.
//!
//! Records older than the window are deleted by [`trim`], every minute (`crate::housekeeping`), so the table holds at most
//! what the limits let through in one window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::PgPool;

/// Password checks running or queued per address in this process.
#[derive(Default)]
pub struct InFlight {
    by_address: Mutex<HashMap<String, usize>>,
}

/// Holds one in-flight place of an address until dropped.
pub struct InFlightGuard {
    owner: Arc<InFlight>,
    address: String,
}

impl InFlight {
    /// A place for one more check from `address`, unless it already has `limit` of them.
    pub fn enter(self: &Arc<Self>, address: &str, limit: usize) -> Option<InFlightGuard> {
        let mut map = crate::sync::lock(&self.by_address);
        let n = map.entry(address.to_string()).or_insert(0);
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(InFlightGuard {
            owner: self.clone(),
            address: address.to_string(),
        })
    }

    /// Addresses with a check in flight (the map never keeps idle addresses).
    pub fn addresses(&self) -> usize {
        crate::sync::lock(&self.by_address).len()
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let mut map = crate::sync::lock(&self.owner.by_address);
        if let Some(n) = map.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.address);
            }
        }
    }
}

/// Usernames and addresses are stored and compared in this form; longer ones are refused before
/// anything is looked up (one is at most 40 when it is created).
pub const MAX_USERNAME_CHARS: usize = 64;
/// A sign-in password longer than this cannot match any stored one; it is refused unchecked.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// The form of a username that is looked up and counted: trimmed, lower case.
pub fn normal_username(username: &str) -> String {
    username.trim().to_lowercase()
}

/// Deletes sign-in records that have left the window.
pub async fn trim(pool: &PgPool, window_secs: i32) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM sign_in_failures WHERE at < now() - make_interval(secs => $1::float8)",
    )
    .bind(f64::from(window_secs))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_only_its_places_and_they_come_back() {
        let f = Arc::new(InFlight::default());
        let a = f.enter("10.0.0.1", 2).expect("first");
        let b = f.enter("10.0.0.1", 2).expect("second");
        assert!(f.enter("10.0.0.1", 2).is_none(), "a third is refused");
        assert!(f.enter("10.0.0.2", 2).is_some(), "another address is not");
        drop(a);
        let c = f.enter("10.0.0.1", 2).expect("a freed place");
        drop((b, c));
        assert_eq!(f.addresses(), 0, "idle addresses are forgotten");
    }
}
