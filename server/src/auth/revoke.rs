//! Rights that end at once. A `/ws` socket and a video session are checked when they open; after
//! that, only this module ends them: signing out ends that session's, revoking a token ends what it
//! opened, and disabling a user, changing their role or their password ends all of the user's.
//!
//! The endings reach this server process only: with several processes behind a load balancer they
//! must be carried between them (the cluster bus of the multi-node work).
//!
//! Every ending is numbered (a generation). A request reads the generation before it looks up its
//! rights; whatever it opens afterwards is checked against the endings recorded since
//! ([`revoked_since`]), so a socket or a video session set up while its rights were being taken
//! away cannot slip through. The session cache uses the same number to refuse to remember rights
//! read before an ending (see `cache::put`).

use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock};

use crate::AppState;

/// What a request was authenticated with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A session: the digest of its cookie token.
    Session(Vec<u8>),
    /// A personal API token: its id.
    Token(i64),
}

/// Who holds an open socket or video session, and with what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub user_id: i64,
    pub credential: Credential,
}

/// What an ending covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Everything of this user (disabled, role changed, password changed or reset).
    User(i64),
    /// What was opened with this session or token (signed out, token revoked).
    Credential(Credential),
}

impl Ended {
    pub fn covers(&self, h: &Holder) -> bool {
        match self {
            Ended::User(id) => h.user_id == *id,
            Ended::Credential(c) => h.credential == *c,
        }
    }
}

/// Endings kept to check what opens meanwhile; a request older than all of them is refused.
const RECENT: usize = 4096;

struct Recent {
    generation: u64,
    endings: VecDeque<(u64, Realm, Ended)>,
    /// The generation of the newest ending no longer kept.
    forgotten_upto: u64,
}

fn recent() -> std::sync::MutexGuard<'static, Recent> {
    static RECENT_ENDINGS: OnceLock<Mutex<Recent>> = OnceLock::new();
    RECENT_ENDINGS
        .get_or_init(|| {
            Mutex::new(Recent {
                generation: 0,
                endings: VecDeque::new(),
                forgotten_upto: 0,
            })
        })
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// The number of the last ending: read it before looking up rights.
pub fn generation() -> u64 {
    recent().generation
}

/// Which server's endings (its live service's address): several servers on different databases
/// share a test process, and user ids repeat between databases.
pub type Realm = usize;

pub fn realm(live: &std::sync::Arc<crate::live::Live>) -> Realm {
    std::sync::Arc::as_ptr(live) as usize
}

fn record(realm: Realm, ended: Ended) {
    let mut r = recent();
    r.generation += 1;
    let g = r.generation;
    r.endings.push_back((g, realm, ended));
    while r.endings.len() > RECENT {
        if let Some((old, _, _)) = r.endings.pop_front() {
            r.forgotten_upto = old;
        }
    }
}

/// A change to a user that ends nothing (a new display name): the cache forgets them, and rights
/// read before it are not remembered.
pub fn changed(user_id: i64) {
    recent().generation += 1;
    super::cache::forget_user(user_id);
}

/// Whether an ending of `realm` recorded after generation `since` covers `holder`.
pub fn revoked_since(realm: Realm, holder: &Holder, since: u64) -> bool {
    let r = recent();
    if since >= r.generation {
        return false;
    }
    // older than the endings kept: cannot tell, so no
    since < r.forgotten_upto
        || r.endings
            .iter()
            .any(|(g, re, e)| *g > since && *re == realm && e.covers(holder))
}

/// Runs a change that commits and then ends rights in a task of its own, and waits for it: once the
/// change has committed, its ending must run even if the client hangs up (which drops the handler).
pub async fn uncancelled<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, crate::error::ApiError>> + Send + 'static,
) -> Result<T, crate::error::ApiError> {
    match tokio::spawn(work).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => {
            tracing::error!(error = %e, "a change's task was cancelled");
            Err(crate::error::ApiError::unavailable(
                "the change could not be completed",
            ))
        }
    }
}

/// Ends what `ended` covers, now: the session cache forgets it, open `/ws` sockets close with
/// `reason` (code 1008), video sessions end (their audit rows say `reason`). Call it after the
/// database change has committed, so that nothing can read the old rights back in.
pub async fn end(state: &AppState, ended: Ended, reason: &str) {
    record(realm(&state.live), ended.clone());
    match &ended {
        Ended::User(id) => super::cache::forget_user(*id),
        Ended::Credential(Credential::Session(digest)) => super::cache::forget(digest),
        Ended::Credential(Credential::Token(_)) => {}
    }
    let sockets = state.live.end_holders(|h| ended.covers(h), reason);
    let videos = state.video.end_holders(|h| ended.covers(h), reason).await;
    tracing::info!(?ended, sockets, videos, reason, "rights ended");
}

/// Records an ending without a server around it (unit tests of the cache).
#[cfg(test)]
pub fn tests_record_user(id: i64) {
    record(0, Ended::User(id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_opens_after_an_ending_is_checked_against_it() {
        let holder = Holder {
            user_id: 9_000_001,
            credential: Credential::Token(77),
        };
        let before = generation();
        assert!(!revoked_since(1, &holder, before));
        record(1, Ended::User(9_000_002));
        assert!(!revoked_since(1, &holder, before), "another user");
        record(2, Ended::Credential(Credential::Token(77)));
        assert!(!revoked_since(1, &holder, before), "another server's");
        record(1, Ended::Credential(Credential::Token(77)));
        assert!(revoked_since(1, &holder, before));
        assert!(!revoked_since(1, &holder, generation()), "checked after it");
    }
}
