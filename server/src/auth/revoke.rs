//! Rights that end at once. A `/ws` socket and a video session are checked when they open; after
//! that, only this module ends them: signing out ends that session's, revoking a token ends what it
//! opened, and disabling a user, changing their role or their password ends all of the user's.
//!
//! With a cluster bus (`IOC_NATS_URL`), each ending and change is also told to the other nodes
//! ([`join_bus`]), which end what it covers on their side at once; without one, the endings reach
//! this server process only.
//!
//! Every ending is numbered (a generation). A request reads the generation before it looks up its
//! rights; whatever it opens afterwards is checked against the endings recorded since
//! ([`revoked_since`]), so a socket or a video session set up while its rights were being taken
//! away cannot slip through. The session cache uses the same number to refuse to remember rights
//! read before an ending (see `cache::put`).
//!
//! The endings belong to one server ([`Endings`] in `AppState::rights`), never to the process: tests
//! run several servers, on different databases, in one process.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::cluster::bus::{Bus, Topic};
use crate::AppState;

/// What a request was authenticated with.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

#[derive(Default)]
struct Recent {
    generation: u64,
    endings: VecDeque<(u64, Ended)>,
    /// The generation of the newest ending no longer kept.
    forgotten_upto: u64,
}

/// One server's recent endings, numbered.
#[derive(Default)]
pub struct Endings {
    recent: Mutex<Recent>,
}

impl Endings {
    fn lock(&self) -> std::sync::MutexGuard<'_, Recent> {
        crate::sync::lock(&self.recent)
    }

    /// The number of the last ending: read it before looking up rights.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    fn record(&self, ended: Ended) {
        let mut r = self.lock();
        r.generation += 1;
        let g = r.generation;
        r.endings.push_back((g, ended));
        while r.endings.len() > RECENT {
            if let Some((old, _)) = r.endings.pop_front() {
                r.forgotten_upto = old;
            }
        }
    }

    /// A change that ends nothing still moves the generation: rights read before it are not cached.
    fn bump(&self) {
        self.lock().generation += 1;
    }

    /// Whether an ending recorded after generation `since` covers `holder`.
    pub fn revoked_since(&self, holder: &Holder, since: u64) -> bool {
        let r = self.lock();
        if since >= r.generation {
            return false;
        }
        // older than the endings kept: cannot tell, so no
        since < r.forgotten_upto
            || r.endings
                .iter()
                .any(|(g, e)| *g > since && e.covers(holder))
    }
}

/// A change to a user that ends nothing (a new display name): the cache forgets them, and rights
/// read before it are not remembered (on every node).
pub fn changed(state: &AppState, user_id: i64) {
    changed_here(state, user_id);
    tell_other_nodes(state, What::Changed { user_id });
}

fn changed_here(state: &AppState, user_id: i64) {
    state.rights.endings.bump();
    state.rights.sessions.forget_user(user_id);
}

/// Runs a change that commits and then ends rights in a task of its own, and waits for it: once the
/// change has committed, its ending must run even if the client hangs up (which drops the handler).
pub async fn uncancelled<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, crate::error::ApiError>> + Send + 'static,
) -> Result<T, crate::error::ApiError> {
    match tokio::spawn(work).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(
            crate::error::ApiError::unavailable("the change could not be completed")
                .because(format!("a change's task was cancelled: {e}")),
        ),
    }
}

/// Ends what `ended` covers, now: the session cache forgets it, open `/ws` sockets close with
/// `reason` (code 4001), video sessions end (their audit rows say `reason`). Call it after the
/// database change has committed, so that nothing can read the old rights back in.
pub async fn end(state: &AppState, ended: Ended, reason: &str) {
    end_here(state, ended.clone(), reason).await;
    tell_other_nodes(
        state,
        What::Ended {
            ended,
            reason: reason.to_string(),
        },
    );
}

/// What one node tells the others about rights.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Notice {
    /// The node that told it (`Rights::node`).
    from: u64,
    what: What,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
enum What {
    Ended { ended: Ended, reason: String },
    Changed { user_id: i64 },
}

/// Tells the other nodes, when there is a bus; never waits for it (the change has committed: a
/// node that misses this still sees the database on its next look-up, once its cache entry ages).
fn tell_other_nodes(state: &AppState, what: What) {
    let Some(bus) = state.rights.bus.get().cloned() else {
        return;
    };
    let notice = Notice {
        from: state.rights.node,
        what,
    };
    tokio::spawn(async move {
        if let Err(e) = bus.publish(Topic::Rights, &notice).await {
            tracing::warn!(error = %e, ?notice, "could not tell the other nodes that rights ended");
        }
    });
}

/// Joins the cluster's bus: from now on this node tells the others what it ends, and ends what they
/// tell it (within the bus's few milliseconds, well inside the 2 s target).
pub async fn join_bus(state: &AppState, bus: Bus) -> Result<(), crate::cluster::bus::BusError> {
    use futures_util::StreamExt;
    let mut notices = Box::pin(bus.subscribe::<Notice>(Topic::Rights).await?);
    if state.rights.bus.set(bus).is_err() {
        return Ok(());
    }
    let state = state.clone();
    tokio::spawn(async move {
        while let Some(n) = notices.next().await {
            if n.from == state.rights.node {
                continue;
            }
            match n.what {
                What::Ended { ended, reason } => end_here(&state, ended, &reason).await,
                What::Changed { user_id } => changed_here(&state, user_id),
            }
        }
    });
    Ok(())
}

/// Ends what `ended` covers on this node.
async fn end_here(state: &AppState, ended: Ended, reason: &str) {
    let rights = &state.rights;
    rights.endings.record(ended.clone());
    match &ended {
        Ended::User(id) => rights.sessions.forget_user(*id),
        Ended::Credential(Credential::Session(digest)) => rights.sessions.forget(digest),
        Ended::Credential(Credential::Token(_)) => {}
    }
    let sockets = state.live.end_holders(|h| ended.covers(h), reason);
    let videos = state.video.end_holders(|h| ended.covers(h), reason).await;
    tracing::info!(?ended, sockets, videos, reason, "rights ended");
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn what_opens_after_an_ending_is_checked_against_it() {
        let endings = Endings::default();
        let holder = Holder {
            user_id: 9_000_001,
            credential: Credential::Token(77),
        };
        let before = endings.generation();
        assert!(!endings.revoked_since(&holder, before));
        endings.record(Ended::User(9_000_002));
        assert!(!endings.revoked_since(&holder, before), "another user");
        endings.record(Ended::Credential(Credential::Token(77)));
        assert!(endings.revoked_since(&holder, before));
        assert!(
            !endings.revoked_since(&holder, endings.generation()),
            "checked after it"
        );
    }

    #[test]
    fn a_request_older_than_every_ending_kept_is_refused() {
        let endings = Endings::default();
        let holder = Holder {
            user_id: 1,
            credential: Credential::Token(1),
        };
        for n in 0..(RECENT as i64 + 10) {
            endings.record(Ended::User(1_000 + n));
        }
        assert!(endings.revoked_since(&holder, 5));
        assert!(!endings.revoked_since(&holder, endings.generation() - 1));
    }

    /// For the cache's tests: records an ending.
    pub fn record_user(endings: &Endings, id: i64) {
        endings.record(Ended::User(id));
    }
}
