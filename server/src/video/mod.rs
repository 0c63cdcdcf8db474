//! Live camera video: cameras are pulled over RTSP (retina) on demand, one pull per camera however
//! many viewers, and forwarded without transcoding to browsers over WebRTC (WHEP).
//!
//! - `lifecycle`: viewer counts and the grace period (pure state machine);
//! - `source`: one camera's RTSP pull, its GOP cache and its broadcast of frames;
//! - `packetize`: access units → ≤1200-byte RTP payloads (and back, for tests and the benchmark);
//! - `peer`: one viewer's WebRTC peer connection (webrtc-rs) and its RTP sender;
//! - `http`: the WHEP endpoints and the viewing audit's; `whep`: each viewer's session and its
//!   forwarding task; `store`: the viewing audit (who watched what); `error`: what a viewer is told;
//! - `probe`: unwatched cameras' online/offline, reported to the cameras' status writer;
//! - `relay`: with a cluster bus, one pull per camera in the cluster (a lease in NATS KV) and the
//!   owner's frames relayed over NATS to the other nodes' viewers;
//! - `metrics`: `GET /metrics`.
//!
//! Cameras themselves (their rows, status and live layer) are the `cameras` capability's.

pub mod error;
pub mod http;
pub mod lifecycle;
pub mod metrics;
pub mod packetize;
pub mod peer;
pub mod probe;
pub mod relay;
pub mod source;
pub mod store;
pub mod whep;

pub use error::VideoError;
pub use http::router;

use crate::sync::lock;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::cameras::status::StatusWriter;
use crate::config::VideoConfig;
use crate::live::Live;
use lifecycle::Lifecycle;
use source::Pull;

/// The video service, shared by the handlers (`AppState::video`).
pub struct Video {
    pub config: VideoConfig,
    pub pool: PgPool,
    pub live: Arc<Live>,
    pub status: Arc<StatusWriter>,
    lifecycle: Mutex<Lifecycle>,
    pulls: Mutex<HashMap<String, Arc<Pull>>>,
    sessions: Mutex<HashMap<String, Arc<whep::Session>>>,
    /// Sessions being set up, per user (see [`Video::reserve`]).
    reserved: Arc<Mutex<HashMap<i64, usize>>>,
    /// Set by [`Video::end_all`] (shutdown): no new session from then on.
    closing: std::sync::atomic::AtomicBool,
    /// Errors of pulls that have stopped (running pulls keep their own count).
    past_pull_errors: std::sync::atomic::AtomicU64,
    pub counters: metrics::Counters,
    pub peers: peer::PeerFactory,
    /// The cluster's side of the pulls, once a bus is attached ([`Video::attach_bus`]).
    relay: std::sync::OnceLock<Arc<relay::Relay>>,
    /// Cameras this node pulls for other nodes' viewers: the lifecycle epoch their want holds, and
    /// when they last said they want it ([`Video::remote_want`]).
    remote: Mutex<HashMap<String, (u64, Instant)>>,
    me: std::sync::Weak<Video>,
}

/// A reserved place for a session being set up ([`Video::reserve`]).
pub struct SessionSlot {
    reserved: Arc<Mutex<HashMap<i64, usize>>>,
    user_id: i64,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut reserved = lock(&self.reserved);
        if let Some(n) = reserved.get_mut(&self.user_id) {
            *n -= 1;
            if *n == 0 {
                reserved.remove(&self.user_id);
            }
        }
    }
}

/// Why no place was given: the user's cap, or the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRefused {
    User(usize),
    Server(usize),
    /// The server is shutting down.
    Closing,
}

impl Video {
    /// Starts the service: the janitor that stops idle pulls, and the probe of unwatched cameras.
    pub fn start(pool: PgPool, live: Arc<Live>, config: VideoConfig) -> Arc<Video> {
        let status = StatusWriter::start(live.clone());
        let video = Arc::new_cyclic(|me| Video {
            me: me.clone(),
            relay: std::sync::OnceLock::new(),
            remote: Mutex::new(HashMap::new()),
            lifecycle: Mutex::new(Lifecycle::new(config.grace)),
            peers: peer::PeerFactory::new(&config),
            config,
            pool,
            live,
            status,
            pulls: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            reserved: Default::default(),
            closing: Default::default(),
            past_pull_errors: Default::default(),
            counters: Default::default(),
        });
        tokio::spawn(janitor(Arc::downgrade(&video)));
        tokio::spawn(still_open(Arc::downgrade(&video)));
        if let Some(every) = video.config.probe_every {
            // once per cluster: a camera is probed by one node, not by each
            let (owner, job) = (Arc::downgrade(&video), Arc::downgrade(&video));
            crate::cluster::lease::run_while(
                video.pool.clone(),
                &video.config.cluster,
                crate::cluster::lease::PROBE,
                move || owner.strong_count() > 0,
                move || probe::run(job.clone(), every),
            );
        }
        video
    }

    /// A new viewer of `camera`: the camera's pull (started if it was not running) and the pull's
    /// epoch, to give back to [`Video::detach`]. Joining and finding the pull happen under the
    /// lifecycle lock, so two first viewers can never start two pulls.
    pub async fn attach(&self, camera: &str) -> Result<(Arc<Pull>, u64), VideoError> {
        let url = crate::cameras::store::stream_url(&self.pool, camera)
            .await?
            .ok_or_else(|| VideoError::NoCamera(camera.to_string()))?;
        let mut lifecycle = lock(&self.lifecycle);
        let (_, epoch) = lifecycle.join(camera);
        let mut pulls = lock(&self.pulls);
        let pull = pulls
            .entry(camera.to_string())
            .or_insert_with(|| {
                self.counters.pulls_started.fetch_add(1, Ordering::Relaxed);
                let sink: Arc<dyn source::StatusSink> = self.status.clone();
                match self.relay.get() {
                    Some(relay) => {
                        let opener = Arc::new(relay::ClusterOpener {
                            relay: relay.clone(),
                            camera: camera.to_string(),
                            video: self.me.clone(),
                            following: Arc::default(),
                        });
                        Pull::start_with(camera, url, sink, opener)
                    }
                    None => Pull::start(camera, url, sink),
                }
            })
            .clone();
        Ok((pull, epoch))
    }

    /// Joins the cluster's video: from now on a camera is pulled by one node of the cluster and
    /// relayed to the others (see `relay`); sessions held here can be ended through any node.
    pub async fn attach_bus(&self, bus: &crate::cluster::bus::Bus) -> Result<(), String> {
        let node = format!("{}-{:016x}", self.config.server_id, rand::random::<u64>());
        let relay = Arc::new(
            relay::Relay::connect(bus, node)
                .await
                .map_err(|e| e.to_string())?,
        );
        relay.serve(self.me.clone()).await?;
        let _ = self.relay.set(relay);
        Ok(())
    }

    /// The cluster's side of the pulls, if a bus is attached.
    pub fn relay(&self) -> Option<&Arc<relay::Relay>> {
        self.relay.get()
    }

    /// Another node relaying `camera` from this node's pull still wants it: the want counts as a
    /// viewer here until it lapses ([`relay::WANT_LAPSES`]), so this pull outlives its own viewers.
    pub(crate) fn remote_want(&self, camera: &str) {
        let mut lifecycle = lock(&self.lifecycle);
        let mut remote = lock(&self.remote);
        if let Some(r) = remote.get_mut(camera) {
            r.1 = Instant::now();
            return;
        }
        if !lock(&self.pulls).contains_key(camera) {
            return;
        }
        let (_, epoch) = lifecycle.join(camera);
        remote.insert(camera.to_string(), (epoch, Instant::now()));
    }

    /// A viewer left; the pull stops after the grace period unless another viewer comes.
    pub fn detach(&self, camera: &str, epoch: u64) {
        lock(&self.lifecycle).leave(camera, epoch, Instant::now());
    }

    pub fn is_pulled(&self, camera: &str) -> bool {
        lock(&self.lifecycle).is_pulled(camera)
    }

    /// Viewers per pulled camera.
    pub fn viewers(&self) -> Vec<(String, usize)> {
        lock(&self.lifecycle).viewers()
    }

    /// (camera, frames received, errors) of each running pull, by camera id.
    pub fn pull_stats(&self) -> Vec<(String, u64, u64)> {
        let mut v: Vec<_> = lock(&self.pulls)
            .values()
            .map(|p| {
                (
                    p.camera.clone(),
                    p.counters.frames.load(Ordering::Relaxed),
                    p.counters.errors.load(Ordering::Relaxed),
                )
            })
            .collect();
        v.sort();
        v
    }

    pub fn pull_errors(&self) -> u64 {
        self.past_pull_errors.load(Ordering::Relaxed)
            + self.pull_stats().iter().map(|(_, _, e)| e).sum::<u64>()
    }

    /// Stops the pulls of cameras the lifecycle has just forgotten. The caller holds the lifecycle
    /// lock, so no viewer can start a new pull of one of them in between and lose it here.
    fn stop_pulls(&self, cameras: &[String]) {
        let stopped: Vec<Arc<Pull>> = {
            let mut pulls = lock(&self.pulls);
            cameras.iter().filter_map(|c| pulls.remove(c)).collect()
        };
        for p in stopped {
            p.stop();
            self.past_pull_errors
                .fetch_add(p.counters.errors.load(Ordering::Relaxed), Ordering::Relaxed);
            tracing::info!(camera = %p.camera, "pull stopped");
        }
    }

    /// Registers a session; false when the server has begun shutting down meanwhile (the caller
    /// then ends it: [`Video::end_all`] has already run and would not see it).
    pub fn add_session(&self, s: Arc<whep::Session>) -> bool {
        let mut sessions = lock(&self.sessions);
        if self.closing.load(Ordering::SeqCst) {
            return false;
        }
        sessions.insert(s.id.clone(), s);
        true
    }

    pub fn session(&self, id: &str) -> Option<Arc<whep::Session>> {
        lock(&self.sessions).get(id).cloned()
    }

    /// A place for one more session of `user_id`, held while it is set up: open and reserved
    /// sessions are counted together under the sessions lock, so 200 parallel offers get at most
    /// the per-user cap, and all users together at most the server's. `elsewhere` is what the user
    /// holds on the cluster's other nodes ([`store::open_elsewhere`]): the per-user cap is the
    /// cluster's, the server's cap this node's (its sockets and ports). Two offers of one user at
    /// the same instant on two nodes may each pass by one; on one node they cannot. The place is
    /// given back when the guard drops (after the session is registered, or when its set-up failed).
    pub fn reserve(&self, user_id: i64, elsewhere: usize) -> Result<SessionSlot, SlotRefused> {
        let sessions = lock(&self.sessions);
        let mut reserved = lock(&self.reserved);
        if self.closing.load(Ordering::SeqCst) {
            return Err(SlotRefused::Closing);
        }
        let mine = sessions.values().filter(|s| s.user_id == user_id).count()
            + reserved.get(&user_id).copied().unwrap_or(0)
            + elsewhere;
        if mine >= self.config.sessions_per_user {
            return Err(SlotRefused::User(self.config.sessions_per_user));
        }
        let all = sessions.len() + reserved.values().sum::<usize>();
        if all >= self.config.sessions_max {
            return Err(SlotRefused::Server(self.config.sessions_max));
        }
        *reserved.entry(user_id).or_insert(0) += 1;
        Ok(SessionSlot {
            reserved: self.reserved.clone(),
            user_id,
        })
    }

    /// Every session ends (the server is shutting down): forwarding stops, peer connections close
    /// and audit rows are closed with `reason`; how many.
    pub async fn end_all(&self, reason: &str) -> usize {
        let all: Vec<Arc<whep::Session>> = {
            let mut sessions = lock(&self.sessions);
            self.closing.store(true, Ordering::SeqCst);
            sessions.drain().map(|(_, s)| s).collect()
        };
        let n = all.len();
        let closing: Vec<_> = all.into_iter().map(|s| self.release(s, reason)).collect();
        futures_util::future::join_all(closing).await;
        n
    }

    /// Sessions a user has open (a cap keeps one user from exhausting sockets and ports).
    pub fn sessions_of(&self, user_id: i64) -> usize {
        lock(&self.sessions)
            .values()
            .filter(|s| s.user_id == user_id)
            .count()
    }

    /// Ends a viewing session (idempotent): releases its camera at once, then closes its peer
    /// connection and its audit row in a task of their own, so a cancelled caller cannot leave a
    /// viewer counted or a connection open.
    pub async fn end_session(&self, id: &str, reason: &str) {
        let Some(s) = lock(&self.sessions).remove(id) else {
            return;
        };
        let _ = self.release(s, reason).await;
    }

    /// Stops a removed session's forwarding and releases its camera now; the peer connection and
    /// the audit row are closed in a task of their own (awaited by the caller when it can).
    pub(crate) fn release(
        &self,
        s: Arc<whep::Session>,
        reason: &str,
    ) -> tokio::task::JoinHandle<()> {
        s.end();
        self.detach(&s.camera, s.epoch);
        let pool = self.pool.clone();
        let reason = reason.to_string();
        tokio::spawn(async move {
            s.peer.close().await;
            store::ended(&pool, &s.id, &reason).await;
            tracing::info!(session = %s.id, camera = %s.camera, reason, "viewer session ended");
        })
    }

    /// Ends the sessions whose holder `covers` accepts (their rights ended); how many. All stop
    /// forwarding at once; their connections and audit rows are then closed side by side.
    pub async fn end_holders(
        &self,
        covers: impl Fn(&crate::auth::revoke::Holder) -> bool,
        reason: &str,
    ) -> usize {
        let ended: Vec<Arc<whep::Session>> = {
            let mut sessions = lock(&self.sessions);
            let ids: Vec<String> = sessions
                .values()
                .filter(|s| s.holder.as_ref().is_some_and(&covers))
                .map(|s| s.id.clone())
                .collect();
            ids.iter().filter_map(|id| sessions.remove(id)).collect()
        };
        let n = ended.len();
        let closing: Vec<_> = ended.into_iter().map(|s| self.release(s, reason)).collect();
        futures_util::future::join_all(closing).await;
        n
    }

    /// Ends every session of a camera and its pull at once (the camera was removed or re-pointed).
    /// The pull is forgotten first, so a viewer arriving meanwhile starts a new one (with the new
    /// URL) instead of joining the old.
    pub async fn end_camera(&self, camera: &str, reason: &str) {
        let old = {
            let mut lifecycle = lock(&self.lifecycle);
            lifecycle.remove(camera);
            lock(&self.remote).remove(camera);
            lock(&self.pulls).remove(camera)
        };
        let ids: Vec<String> = lock(&self.sessions)
            .values()
            .filter(|s| s.camera == camera)
            .map(|s| s.id.clone())
            .collect();
        for id in ids {
            self.end_session(&id, reason).await;
        }
        // stopped only now, so its viewers end with the reason above
        if let Some(p) = old {
            p.stop();
            self.past_pull_errors
                .fetch_add(p.counters.errors.load(Ordering::Relaxed), Ordering::Relaxed);
        }
    }
}

/// How often a node tells the cluster that its viewing sessions are still open.
pub const SEEN_EVERY: Duration = Duration::from_secs(5);

/// Every [`SEEN_EVERY`], while this node has sessions: their audit rows are marked as still open,
/// so other nodes count them against their users' cap (and stop counting them if this node dies).
async fn still_open(video: std::sync::Weak<Video>) {
    let mut tick = tokio::time::interval(SEEN_EVERY);
    loop {
        tick.tick().await;
        let Some(v) = video.upgrade() else { return };
        if lock(&v.sessions).is_empty() {
            continue;
        }
        if let Err(e) = store::still_open(&v.pool, &v.config.server_id).await {
            tracing::warn!(error = %e, "other nodes may stop counting this node's video sessions");
        }
    }
}

/// Every second: stop the pulls whose grace period is over.
async fn janitor(video: std::sync::Weak<Video>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let Some(v) = video.upgrade() else { return };
        let mut lifecycle = lock(&v.lifecycle);
        let now = Instant::now();
        lock(&v.remote).retain(|camera, (epoch, last)| {
            let wanted = now.duration_since(*last) < relay::WANT_LAPSES;
            if !wanted {
                lifecycle.leave(camera, *epoch, now);
            }
            wanted
        });
        let expired = lifecycle.expired(Instant::now());
        v.stop_pulls(&expired);
    }
}
