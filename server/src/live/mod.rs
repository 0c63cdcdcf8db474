//! Real time: committed changes of live features (incidents, cameras) fanned out to operators over
//! `GET /ws`, filtered to each client's viewport, resumable with `since` across restarts.
//!
//! - `http`: the WebSocket endpoint `/ws` and each socket's session;
//! - `hub`: the fan-out state machine (features in an rstar index, viewports, the recent log);
//! - `reorder`: the publish reorder buffer (events in seq order);
//! - `outbox`: each client's bounded queue;
//! - `store`: the event log in PostgreSQL: recording an event in the change's own transaction
//!   (gap-free seq), reading it back, loading state at start-up, trimming;
//! - here: publishing committed events in seq order, the clients, the housekeeping tasks.
//!
//! The live service knows layers, features and events, not what they are: each capability (incidents,
//! cameras) records its own changes with [`record`] and publishes them after its commit.

pub mod fanout;
pub mod grid;
pub mod http;
pub mod hub;
pub mod outbox;
pub mod reorder;
pub mod rules;
pub mod store;

pub use store::record;

use crate::sync::lock;
// Fx hashing for maps keyed by the server's own numbers (client ids, user ids)
use rustc_hash::FxHashMap as HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::Notify;

use crate::auth::revoke::Holder;
use crate::error::StoreError;
use hub::{ClientId, Frame, Hub, LiveEvent};
use outbox::Outbox;
use reorder::{Next, Reorder};

/// Settings of the live service.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    /// How long the event log is kept for `since` (days).
    pub retention_days: i32,
    /// Frames a client may have queued before it is cut off.
    pub queue_capacity: usize,
    /// Events kept in memory for quick resumes (older ones are read from PostgreSQL). Twice
    /// `resume_max` by default: a resume further behind gets snapshots anyway, and each event held
    /// costs ~2.5 KiB (the soak measured 100,000 of them growing the server by ~250 MiB).
    pub memory_events: usize,
    /// Resolved and dismissed incidents leave the live layer this long after closing.
    pub closed_linger: Duration,
    /// A resume with `since` more events behind than this gets `reset` and snapshots, without
    /// reading what it missed (`IOC_LIVE_RESUME_MAX`): one socket cannot make the server read a
    /// night's log, however many sockets ask.
    pub resume_max: usize,
    /// Bytes a client may have queued before it is cut off, whatever the frame count.
    pub queue_bytes: usize,
    /// The cluster whose lease the log's trimming runs under (`Config::cluster`).
    pub cluster: String,
    /// How often the log is read for events other nodes committed, without a bus (500 ms) and
    /// with one (5 s: the bus brings them at once; polling only covers what it lost).
    pub poll_every: Duration,
    pub poll_with_bus: Duration,
    /// Threads of the sockets' writers (`fanout`; `IOC_FANOUT_THREADS`, 1).
    pub fanout_threads: usize,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            retention_days: 7,
            queue_capacity: 1024,
            memory_events: 20_000,
            closed_linger: Duration::from_secs(600),
            resume_max: 10_000,
            queue_bytes: outbox::DEFAULT_MAX_BYTES,
            cluster: "ioc-map".into(),
            poll_every: Duration::from_millis(500),
            poll_with_bus: Duration::from_secs(5),
            fanout_threads: 1,
        }
    }
}

/// A connected client: its queue and the signal that wakes its writer.
pub struct ClientHandle {
    pub id: ClientId,
    /// Who opened it and with what (its rights can end it: `auth::revoke`).
    pub holder: Option<Holder>,
    pub outbox: Mutex<Outbox>,
    pub wake: Notify,
    /// Told when the holder's rights end: the socket is dropped even if its reader has stopped
    /// reading (its close frame could wait forever behind a full send buffer).
    pub ended: Notify,
}

impl ClientHandle {
    /// The holder's rights ended: drop what is queued, send a 4001 close with `reason`, and have
    /// the socket dropped even if its reader stopped reading.
    pub fn end(&self, reason: &str) {
        lock(&self.outbox).end(reason);
        self.wake.notify_one();
        self.ended.notify_one();
    }
}

pub struct Live {
    pub config: LiveConfig,
    hub: Mutex<Hub>,
    clients: Mutex<HashMap<ClientId, Arc<ClientHandle>>>,
    /// Committed events waiting for an earlier seq to be published first.
    pending: Mutex<Reorder>,
    next_client: AtomicU64,
    pub pool: PgPool,
    /// Set when the server begins to shut down: no new socket is taken from then on.
    closing: std::sync::atomic::AtomicBool,
    /// Sockets open per user (for the per-user cap without a walk over every client); changed only
    /// under the `clients` lock.
    sockets_by_user: Mutex<HashMap<i64, usize>>,
    /// Each user's budget of view changes (subscribes after a socket's first): tokens and when
    /// they were counted.
    view_budgets: Mutex<HashMap<i64, (f64, tokio::time::Instant)>>,
    /// Where this node's committed events go for the other nodes (`attach_bus`), when there is a bus.
    to_bus: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<LiveEvent>>,
}

/// View changes a user's sockets may make per second together, and in a burst: a person panning and
/// zooming makes a few a second; each may move the whole district's cameras in or out of view.
pub const VIEW_CHANGES_PER_SECOND: f64 = 5.0;
pub const VIEW_CHANGES_BURST: f64 = 20.0;

impl Live {
    /// Loads the live features and the recent log, and starts the housekeeping tasks.
    pub async fn start(pool: PgPool, config: LiveConfig) -> Result<Arc<Live>, StoreError> {
        store::trim_by_age(&pool, config.retention_days).await?;
        let last_seq = store::last_seq(&pool).await?;
        let mut hub = Hub::new(last_seq, config.memory_events);
        for ev in store::newest(&pool, config.memory_events as i64).await? {
            hub.remember(ev);
        }
        for f in store::live_features(&pool).await? {
            hub.load(&f.layer, &f.id, f.feature, [f.lon, f.lat]);
        }
        let live = Arc::new(Live::new(pool, config, hub));
        // every node polls for what others committed; the log is trimmed by one node of the cluster
        tokio::spawn(recover(Arc::downgrade(&live)));
        let (owner, weak) = (Arc::downgrade(&live), Arc::downgrade(&live));
        crate::cluster::lease::run_while(
            live.pool.clone(),
            &live.config.cluster,
            crate::cluster::lease::LIVE_LOG,
            move || owner.strong_count() > 0,
            move || housekeeping(weak.clone()),
        );
        Ok(live)
    }

    /// A live service that loads nothing (for a server whose database is unreachable, in tests).
    pub fn detached(pool: PgPool, config: LiveConfig) -> Arc<Live> {
        let hub = Hub::new(0, config.memory_events);
        Arc::new(Live::new(pool, config, hub))
    }

    fn new(pool: PgPool, config: LiveConfig, hub: Hub) -> Live {
        fanout::init(config.fanout_threads);
        Live {
            config,
            hub: Mutex::new(hub),
            clients: Mutex::new(HashMap::default()),
            pending: Mutex::new(Reorder::default()),
            next_client: AtomicU64::new(1),
            closing: Default::default(),
            view_budgets: Default::default(),
            sockets_by_user: Default::default(),
            to_bus: std::sync::OnceLock::new(),
            pool,
        }
    }

    /// Publishes a committed event, in seq order: events that overtook an earlier one wait, and a
    /// missing earlier one is read from PostgreSQL (it is committed: seqs are taken under a row lock,
    /// so they commit in order; another server process may have written it).
    pub async fn publish(&self, ev: LiveEvent) {
        if let Some(to_bus) = self.to_bus.get() {
            // the other nodes hear of it through the bus; sending never waits on NATS
            let _ = to_bus.send(ev.clone());
        }
        self.take_in(ev).await;
    }

    /// An event committed on this node or heard from the bus: published in seq order, a gap read
    /// back from PostgreSQL.
    async fn take_in(&self, ev: LiveEvent) {
        let missing = {
            let mut pending = lock(&self.pending);
            pending.hold(ev);
            self.flush(&mut pending)
        };
        if let Some((from, to)) = missing {
            self.catch_up(from, Some(to)).await;
        }
    }

    /// Publishes what can be; returns the range of seqs still missing before the first pending one.
    fn flush(&self, pending: &mut Reorder) -> Option<(i64, i64)> {
        let mut hub = lock(&self.hub);
        loop {
            match pending.next(hub.last_seq()) {
                Next::Publish(ev) => match hub.publish(ev) {
                    Ok(deliveries) => self.deliver(deliveries),
                    Err(gap) => tracing::error!(%gap, "live event dropped"),
                },
                Next::Missing(from, to) => return Some((from, to)),
                Next::Empty => return None,
            }
        }
    }

    /// Reads committed events after the last published one (up to `to`) and publishes them.
    async fn catch_up(&self, from: i64, to: Option<i64>) {
        match store::events_from(&self.pool, from, to).await {
            Ok(events) if !events.is_empty() => {
                let mut pending = lock(&self.pending);
                for ev in events {
                    pending.hold(ev);
                }
                self.flush(&mut pending);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not read live events"),
        }
    }

    /// Joins the cluster's event bus: this node's committed events are published to it (by a task
    /// of their own, so a slow NATS never holds a request), and every event on it, from any node,
    /// is taken in. From then on the log is polled only every `poll_with_bus`.
    pub async fn attach_bus(
        self: &Arc<Self>,
        bus: crate::cluster::bus::Bus,
    ) -> Result<(), crate::cluster::bus::BusError> {
        use crate::cluster::bus::Topic;
        use futures_util::StreamExt;
        // subscribe first: nothing published after this call can be missed
        let mut events = Box::pin(bus.subscribe::<LiveEvent>(Topic::Live).await?);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<LiveEvent>();
        if self.to_bus.set(tx).is_err() {
            return Ok(());
        }
        let publisher = bus.clone();
        tokio::spawn(async move {
            while let Some(ev) = rx.recv().await {
                if let Err(e) = publisher.publish(Topic::Live, &ev).await {
                    tracing::warn!(seq = ev.seq, error = %e, "live event not on the bus: other nodes read it from the log");
                }
            }
        });
        let live = Arc::downgrade(self);
        tokio::spawn(async move {
            while let Some(ev) = events.next().await {
                let Some(live) = live.upgrade() else { return };
                live.take_in(ev).await;
            }
            tracing::warn!("the event bus ended: other nodes' events come from the log's polling");
        });
        tracing::info!(stream = %bus.stream, "live events shared over the NATS JetStream bus");
        Ok(())
    }

    /// How long until the next poll of the log.
    fn poll_interval(&self) -> Duration {
        if self.to_bus.get().is_some() {
            self.config.poll_with_bus
        } else {
            self.config.poll_every
        }
    }

    /// Picks up events committed by other server processes (or lost between commit and publish).
    pub async fn poll(&self) {
        let next = lock(&self.hub).last_seq() + 1;
        self.catch_up(next, None).await;
    }

    fn deliver(&self, deliveries: Vec<(ClientId, Frame)>) {
        let clients = lock(&self.clients);
        for (id, frame) in deliveries {
            if let Some(c) = clients.get(&id) {
                lock(&c.outbox).push(frame);
                c.wake.notify_one();
            }
        }
    }

    pub fn connect(&self, holder: Option<Holder>) -> Arc<ClientHandle> {
        self.connect_capped(holder, usize::MAX)
            .expect("no cap cannot be reached")
    }

    /// Takes one view change from `user_id`'s budget (a token bucket: [`VIEW_CHANGES_PER_SECOND`],
    /// bursts of [`VIEW_CHANGES_BURST`]), or says how long until one is there.
    pub fn view_budget(&self, user_id: i64, now: tokio::time::Instant) -> Result<(), Duration> {
        let mut budgets = lock(&self.view_budgets);
        let (tokens, at) = budgets.entry(user_id).or_insert((VIEW_CHANGES_BURST, now));
        let refilled = (*tokens
            + now.saturating_duration_since(*at).as_secs_f64() * VIEW_CHANGES_PER_SECOND)
            .min(VIEW_CHANGES_BURST);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64(
                (1.0 - refilled) / VIEW_CHANGES_PER_SECOND,
            ))
        }
    }

    /// The server is shutting down (see [`Live::shut_down`]).
    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Sockets a user has open.
    pub fn sockets_of(&self, user_id: i64) -> usize {
        lock(&self.sockets_by_user)
            .get(&user_id)
            .copied()
            .unwrap_or(0)
    }

    /// [`Live::connect`], unless the holder's user has `cap` sockets open already: the count and
    /// the registration happen under one lock, so parallel upgrades cannot pass the cap together.
    pub fn connect_capped(&self, holder: Option<Holder>, cap: usize) -> Option<Arc<ClientHandle>> {
        let mut clients = lock(&self.clients);
        if self.is_closing() {
            return None;
        }
        if let Some(h) = &holder {
            // taken under the clients lock (always in that order), so count and map agree
            let mut by_user = lock(&self.sockets_by_user);
            let open = by_user.entry(h.user_id).or_insert(0);
            if *open >= cap {
                return None;
            }
            *open += 1;
        }
        let id = self.next_client.fetch_add(1, Ordering::Relaxed);
        let handle = Arc::new(ClientHandle {
            id,
            holder,
            outbox: Mutex::new(Outbox::with_bytes(
                self.config.queue_capacity,
                self.config.queue_bytes,
            )),
            wake: Notify::new(),
            ended: Notify::new(),
        });
        clients.insert(id, handle.clone());
        Some(handle)
    }

    /// The server is shutting down: every socket gets a 1001 close ("going away") and reconnects.
    pub fn shut_down(&self) -> usize {
        let all: Vec<Arc<ClientHandle>> = {
            let clients = lock(&self.clients);
            // under the clients lock: a socket registering now sees the flag, or is in `all`
            self.closing.store(true, Ordering::SeqCst);
            clients.values().cloned().collect()
        };
        for c in &all {
            lock(&c.outbox).end_with(outbox::CLOSE_GOING_AWAY, "the server is restarting");
            c.wake.notify_one();
            c.ended.notify_one();
        }
        all.len()
    }

    /// Closes the sockets whose holder `covers` accepts (code 4001, `reason`); how many.
    pub fn end_holders(&self, covers: impl Fn(&Holder) -> bool, reason: &str) -> usize {
        let ended: Vec<Arc<ClientHandle>> = lock(&self.clients)
            .values()
            .filter(|c| c.holder.as_ref().is_some_and(&covers))
            .cloned()
            .collect();
        for c in &ended {
            c.end(reason);
        }
        ended.len()
    }

    pub fn disconnect(&self, id: ClientId) {
        {
            let mut clients = lock(&self.clients);
            if let Some(h) = clients.remove(&id).and_then(|c| c.holder.clone()) {
                let mut by_user = lock(&self.sockets_by_user);
                if let Some(n) = by_user.get_mut(&h.user_id) {
                    *n -= 1;
                    if *n == 0 {
                        by_user.remove(&h.user_id);
                    }
                }
            }
        }
        lock(&self.hub).disconnect(id);
    }

    /// The sequence number of the last published event.
    pub fn last_seq(&self) -> i64 {
        lock(&self.hub).last_seq()
    }

    pub fn clients(&self) -> usize {
        lock(&self.clients).len()
    }

    /// A client's subscribe (rules in [`Hub::subscribe`]). The answer is queued while the hub is
    /// locked, so no event published meanwhile can reach the client before it. A resume older than
    /// memory keeps reads the missed events from PostgreSQL first — at most `resume_max` of them,
    /// since the hub refuses (reset + snapshots) anything further behind before asking.
    pub async fn subscribe(
        &self,
        client: &ClientHandle,
        bbox: [f64; 4],
        layers: &[String],
        since: Option<i64>,
    ) {
        let limits = hub::ResumeLimits {
            max_missed: self.config.resume_max,
            max_frames: self.config.queue_capacity / 2,
        };
        if let Some((after, upto)) = self.answer(client, bbox, layers, since, None, limits) {
            // given the persisted events, the hub answers with frames (a reset if they fall short)
            let older = self.read_log(after, upto).await;
            self.answer(client, bbox, layers, since, Some(&older), limits);
        }
        client.wake.notify_one();
    }

    /// Asks the hub and queues its frames while the hub is locked; else the persisted events it
    /// needs first (`after < seq <= upto`).
    fn answer(
        &self,
        client: &ClientHandle,
        bbox: [f64; 4],
        layers: &[String],
        since: Option<i64>,
        older: Option<&[LiveEvent]>,
        limits: hub::ResumeLimits,
    ) -> Option<(i64, i64)> {
        let mut hub = lock(&self.hub);
        match hub.subscribe(client.id, bbox, layers, since, older, limits) {
            hub::Answer::Frames(frames) => {
                let mut outbox = lock(&client.outbox);
                for f in frames {
                    outbox.push(f);
                }
                None
            }
            hub::Answer::NeedsLog { after, upto } => Some((after, upto)),
        }
    }

    /// Persisted events with `after < seq <= upto` (empty when they cannot be read: the hub then
    /// answers with a reset).
    async fn read_log(&self, after: i64, upto: i64) -> Vec<LiveEvent> {
        let limit = self.config.resume_max as i64 + 1;
        match store::events_between(&self.pool, after, upto, limit).await {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the live log for a resume");
                Vec::new()
            }
        }
    }

    /// The nearest live features of a layer to a point that `keep` accepts, with their positions.
    pub fn nearest(
        &self,
        layer: &str,
        point: [f64; 2],
        n: usize,
        keep: impl Fn(&Value) -> bool,
    ) -> Vec<(Value, [f64; 2])> {
        lock(&self.hub).nearest(layer, point, n, keep)
    }
}

/// Every `poll_every` (500 ms; with a bus `poll_with_bus`, 5 s): pick up events committed elsewhere
/// or lost between commit and publish. A task of its own, so that no housekeeping can delay it.
async fn recover(live: std::sync::Weak<Live>) {
    loop {
        let Some(every) = live.upgrade().map(|l| l.poll_interval()) else {
            return;
        };
        tokio::time::sleep(every).await;
        let Some(live) = live.upgrade() else { return };
        live.poll().await;
    }
}

/// Every minute: trim the log by age, and
/// to the last `2 × resume_max` events (a resume further behind gets snapshots anyway, so older
/// rows could never be read: without this the patrol vehicles alone add ~576,000 rows a day: 10 vehicles, a move every 1.5 s).
async fn housekeeping(live: std::sync::Weak<Live>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await; // the first tick is immediate; start-up has just trimmed by age
    loop {
        tick.tick().await;
        let Some(live) = live.upgrade() else { return };
        let keep = (live.config.resume_max as i64).saturating_mul(2);
        let trimmed = match store::trim_by_age(&live.pool, live.config.retention_days).await {
            Ok(_) => store::trim_to_last(&live.pool, keep).await.map(drop),
            Err(e) => Err(e),
        };
        // thousands of rows leave each minute: reclaim their space now (see `store::vacuum`)
        if let Err(e) = trimmed.and(store::vacuum(&live.pool).await) {
            tracing::warn!(error = %e, "could not trim the live event log");
        }
    }
}
