//! One RTSP pull per camera in the whole cluster (issue #11), when the nodes share a bus.
//!
//! A camera's pull is owned by a **lease with a TTL** in a NATS KV bucket (`IOC_VIDEO_<cluster>`,
//! entries expire [`LEASE_TTL`] after their last renewal): the node that takes it pulls the camera
//! over RTSP and, while another node wants it, publishes every access unit on the camera's
//! subject (a camera nobody follows costs the owner nothing more); any other node whose viewers
//! want the camera **relays** it, taking those access units from NATS into a pull of its own (which
//! cuts them into RTP and serves its WebRTC viewers exactly as a local pull would). The browser talks
//! WHEP only to the node its offer reached, so nothing but the balancer's origin has to be reachable.
//!
//! Relaying nodes say every [`WANT_EVERY`] that they still want the camera; the owner counts that as
//! a viewer of its own until it lapses, so the owner's pull outlives its own viewers while another
//! node's are watching, and relays frames only while such a word is fresh. When the owner dies its frames stop, each relaying pull stalls after
//! `source::STALL_AFTER` and opens again, and the first to find the lease expired takes the camera
//! over: viewers see a pause of a few seconds and go on by themselves, from the next keyframe.
//!
//! Why a relay and not a redirect to the owner: the relay needs nothing from the balancer (no
//! per-node routes, no sticky sessions), a viewer's DELETE may reach any node ([`Relay::end_elsewhere`]),
//! and the owner sends each frame once to NATS however many nodes watch. A frame crossing NATS on
//! loopback costs well under a millisecond (`tests/it/balancer.rs` prints what a takeover costs).
//!
//! KV instead of a PostgreSQL advisory lock (which the once-per-cluster jobs use): a pull's lease
//! must expire when its node stops answering, not only when its database connection drops, and must
//! be taken and given back many times a minute per camera without holding a database connection.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use async_nats::jetstream::kv;
use bytes::{BufMut, Bytes, BytesMut};
use futures_util::{Future, StreamExt};
use serde::{Deserialize, Serialize};

use super::source::{Item, Items, Opener, Rtsp, SourceError};
use super::Video;
use crate::cluster::bus::{Bus, BusError};
use crate::sync::AbortOnDrop;

/// A pull's lease lives this long after its last renewal: a dead owner's cameras move within it.
pub const LEASE_TTL: Duration = Duration::from_secs(4);
const RENEW_EVERY: Duration = Duration::from_secs(1);
/// How often a relaying node tells the owner that it still wants a camera.
pub const WANT_EVERY: Duration = Duration::from_secs(1);
/// The owner stops counting a relaying node as a viewer this long after its last word.
pub const WANT_LAPSES: Duration = Duration::from_secs(3);
/// How long a viewer's DELETE waits for the node that holds its session.
const END_WAIT: Duration = Duration::from_secs(1);

/// This node's side of the cluster's video: its leases, and the subjects frames and wants go on.
pub struct Relay {
    client: async_nats::Client,
    leases: kv::Store,
    /// This node's name in the leases (a random id per process).
    pub node: String,
    /// `ioc.<cluster>.video`
    prefix: String,
}

/// A camera id as one NATS subject token and KV key: ids of letters, digits, `-` and `_` stay as
/// they are; any other is `=` and its bytes in hex (so two ids can never share a token).
fn token(camera: &str) -> String {
    if !camera.is_empty()
        && camera
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        camera.to_string()
    } else {
        // `=` is allowed in keys and subjects but never in a plain token
        let hex: String = camera.bytes().map(|b| format!("{b:02x}")).collect();
        format!("={hex}")
    }
}

/// What a viewer's DELETE asks the other nodes (see [`Relay::end_elsewhere`]).
#[derive(Serialize, Deserialize)]
struct EndRequest {
    session: String,
    camera: String,
    user_id: i64,
    admin: bool,
}

/// What the node holding the session answers.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub enum EndAnswer {
    Ended,
    NotYours,
}

impl Relay {
    /// The cluster's lease bucket (made by whichever node comes first) on the bus's connection.
    pub async fn connect(bus: &Bus, node: String) -> Result<Relay, BusError> {
        let leases = bus
            .key_value(&format!("IOC_VIDEO_{}", bus.token), LEASE_TTL)
            .await?;
        Ok(Relay {
            client: bus.client(),
            leases,
            node,
            prefix: format!("ioc.{}.video", bus.token),
        })
    }

    fn frames(&self, camera: &str) -> String {
        format!("{}.frames.{}", self.prefix, token(camera))
    }

    fn wants(&self, camera: &str) -> String {
        format!("{}.want.{}", self.prefix, token(camera))
    }

    /// Takes the camera's lease if nobody holds it (or this node still does): its revision.
    async fn claim(&self, camera: &str) -> Result<Option<u64>, String> {
        let key = token(camera);
        match self.leases.create(&key, self.node.clone().into()).await {
            Ok(rev) => Ok(Some(rev)),
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                let entry = self.leases.entry(&key).await.map_err(|e| e.to_string())?;
                match entry {
                    Some(e) if e.value == self.node.as_bytes() => {
                        let rev = self
                            .leases
                            .update(&key, self.node.clone().into(), e.revision)
                            .await
                            .map_err(|e| e.to_string())?;
                        Ok(Some(rev))
                    }
                    _ => Ok(None),
                }
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// A viewer's DELETE reached a node that does not hold its session: the node that does ends it.
    /// None when no node answers within [`END_WAIT`] (no such session).
    pub async fn end_elsewhere(
        &self,
        session: &str,
        camera: &str,
        user_id: i64,
        admin: bool,
    ) -> Option<EndAnswer> {
        let body = serde_json::to_vec(&EndRequest {
            session: session.to_string(),
            camera: camera.to_string(),
            user_id,
            admin,
        })
        .ok()?;
        let request = async_nats::Request::new()
            .payload(body.into())
            .timeout(Some(END_WAIT));
        let answer = self
            .client
            .send_request(format!("{}.end", self.prefix), request)
            .await
            .ok()?;
        serde_json::from_slice(&answer.payload).ok()
    }

    /// Answers other nodes' [`Relay::end_elsewhere`] for the sessions this node holds, while `video`
    /// lives; and counts other nodes' wants of the cameras this node pulls (see [`Video::remote_want`]).
    pub async fn serve(self: &Arc<Self>, video: Weak<Video>) -> Result<(), String> {
        let mut ends = self
            .client
            .subscribe(format!("{}.end", self.prefix))
            .await
            .map_err(|e| e.to_string())?;
        let client = self.client.clone();
        tokio::spawn(async move {
            while let Some(m) = ends.next().await {
                let Some(video) = video.upgrade() else { return };
                let (Some(reply), Ok(req)) =
                    (m.reply, serde_json::from_slice::<EndRequest>(&m.payload))
                else {
                    continue;
                };
                let Some(s) = video
                    .session(&req.session)
                    .filter(|s| s.camera == req.camera)
                else {
                    continue; // not ours: the node that holds it answers
                };
                let answer = if s.user_id == req.user_id || req.admin {
                    // ended in a task of its own: a slow close must not hold up the next request
                    let session = req.session.clone();
                    tokio::spawn(async move {
                        video.end_session(&session, "ended by the viewer").await;
                    });
                    EndAnswer::Ended
                } else {
                    EndAnswer::NotYours
                };
                if let Ok(body) = serde_json::to_vec(&answer) {
                    let _ = client.publish(reply, body.into()).await;
                }
            }
        });
        Ok(())
    }
}

/// Opens a camera for a pull of this node: RTSP when this node holds (or takes) the camera's lease,
/// the owner's frames from NATS otherwise. Each reconnect of the pull decides again.
pub struct ClusterOpener {
    pub relay: Arc<Relay>,
    pub camera: String,
    pub video: Weak<Video>,
    /// The last open followed the owner (see [`Opener::followed`]).
    pub following: Arc<AtomicBool>,
}

impl Opener for ClusterOpener {
    fn open(
        &self,
        url: String,
    ) -> Pin<Box<dyn Future<Output = Result<Items, SourceError>> + Send>> {
        let (relay, camera, video) = (self.relay.clone(), self.camera.clone(), self.video.clone());
        let following = self.following.clone();
        Box::pin(async move {
            // a key expiring between create's two steps is an error of its own: ask once more
            let claimed = match relay.claim(&camera).await {
                Err(_) => relay.claim(&camera).await,
                ok => ok,
            };
            following.store(matches!(claimed, Ok(None)), Ordering::SeqCst);
            match claimed {
                Ok(Some(revision)) => own(relay, camera, url, revision, video).await,
                Ok(None) => follow(relay, camera).await,
                Err(e) => {
                    // the bus is down: better two pulls of a camera than none
                    tracing::warn!(camera, error = %e, "no video lease (NATS): pulling the camera here");
                    Rtsp.open(url).await
                }
            }
        })
    }

    fn followed(&self) -> bool {
        self.following.load(Ordering::SeqCst)
    }
}

/// How long the owner waits for NATS to take a frame before dropping it: its own viewers must not
/// stall behind a slow bus.
const PUBLISH_WAIT: Duration = Duration::from_millis(100);

/// This node holds the lease: keep renewing it (from the moment it was taken: connecting to a camera
/// may take longer than the lease lives), pull over RTSP, publish each access unit, and count other
/// nodes' wants as viewers.
async fn own(
    relay: Arc<Relay>,
    camera: String,
    url: String,
    revision: u64,
    video: Weak<Video>,
) -> Result<Items, SourceError> {
    let lease = Arc::new(Lease {
        relay: relay.clone(),
        key: token(&camera),
        revision: AtomicU64::new(revision),
        lost: AtomicBool::new(false),
        last_want_ms: AtomicU64::new(0),
        taken: std::time::Instant::now(),
    });
    let renewing = AbortOnDrop::from(tokio::spawn(renew(lease.clone(), camera.clone())));
    let opened = match Rtsp.open(url).await {
        Ok(items) => relay
            .client
            .subscribe(relay.wants(&camera))
            .await
            .map(|wants| (items, wants))
            .map_err(|e| SourceError(format!("while listening for other nodes' viewers: {e}"))),
        Err(e) => Err(e),
    };
    let (items, wants) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            // give the camera back at once: another node may reach it
            drop(renewing);
            lease.give_back();
            return Err(e);
        }
    };
    let listening = AbortOnDrop::from(tokio::spawn(listen(
        wants,
        lease.clone(),
        camera.clone(),
        video,
    )));
    let relaying = Arc::new(Relaying {
        client: relay.client.clone(),
        subject: relay.frames(&camera).into(),
        max_payload: relay.client.server_info().max_payload,
        warned: AtomicBool::new(false),
        held: Held {
            _tasks: [renewing, listening],
            lease,
        },
    });
    let items = items.then(move |item| {
        let relaying = relaying.clone();
        async move {
            if relaying.held.lease.lost.load(Ordering::SeqCst) {
                return Err(SourceError("the camera's lease was lost".into()));
            }
            if let Ok(Item::Video {
                rtp_ts,
                random_access,
                avcc,
            }) = &item
            {
                // nobody follows (the usual case): nothing to copy or send
                if relaying.held.lease.wanted() {
                    relaying.send(encode(*rtp_ts, *random_access, avcc)).await;
                }
            }
            item
        }
    });
    Ok(Box::pin(items))
}

/// What the owner's stream needs to relay its frames, shared by every frame.
struct Relaying {
    client: async_nats::Client,
    subject: async_nats::Subject,
    max_payload: usize,
    /// A frame over `max_payload` was reported (once per pull).
    warned: AtomicBool,
    held: Held,
}

impl Relaying {
    /// Publishes one frame, or drops it if NATS cannot take it within [`PUBLISH_WAIT`].
    async fn send(&self, wire: Bytes) {
        if wire.len() > self.max_payload {
            if !self.warned.swap(true, Ordering::Relaxed) {
                tracing::warn!(subject = %self.subject, bytes = wire.len(), max_payload = self.max_payload,
                    "frames larger than NATS's max_payload are not relayed: raise it for this camera");
            }
            return;
        }
        let sent = tokio::time::timeout(
            PUBLISH_WAIT,
            self.client.publish(self.subject.clone(), wire),
        );
        if !matches!(sent.await, Ok(Ok(()))) {
            tracing::debug!("a frame did not reach the relaying nodes");
        }
    }
}

/// A camera's lease while this node holds it: the revision of its last renewal.
struct Lease {
    relay: Arc<Relay>,
    key: String,
    revision: AtomicU64,
    /// Set when a renewal failed (another node has it now) or renewing stopped.
    lost: AtomicBool,
    /// When another node last said it wants the camera (ms after `taken`), if it did.
    last_want_ms: AtomicU64,
    taken: std::time::Instant,
}

impl Lease {
    /// Another node said within [`WANT_LAPSES`] that it follows this pull.
    fn wanted(&self) -> bool {
        let last = self.last_want_ms.load(Ordering::Relaxed);
        last != 0 && self.since_taken_ms() < last + WANT_LAPSES.as_millis() as u64
    }

    /// Milliseconds since the lease was taken, at least 1 (0 means "never").
    fn since_taken_ms(&self) -> u64 {
        u64::try_from(self.taken.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

/// Renews the lease every [`RENEW_EVERY`] until it fails (then marks it lost).
async fn renew(lease: Arc<Lease>, camera: String) {
    let mut every = tokio::time::interval(RENEW_EVERY);
    every.tick().await;
    loop {
        every.tick().await;
        let rev = lease.revision.load(Ordering::SeqCst);
        let relay = &lease.relay;
        match relay
            .leases
            .update(&lease.key, relay.node.clone().into(), rev)
            .await
        {
            Ok(r) => lease.revision.store(r, Ordering::SeqCst),
            Err(e) => {
                tracing::warn!(camera, error = %e, "lost the camera's video lease");
                lease.lost.store(true, Ordering::SeqCst);
                return;
            }
        }
    }
}

/// Counts other nodes' wants of `camera` as a viewer here (see [`Video::remote_want`]), and has
/// the frames relayed while they come.
async fn listen(
    mut wants: async_nats::Subscriber,
    lease: Arc<Lease>,
    camera: String,
    video: Weak<Video>,
) {
    while wants.next().await.is_some() {
        lease
            .last_want_ms
            .store(lease.since_taken_ms(), Ordering::Relaxed);
        match video.upgrade() {
            Some(v) => v.remote_want(&camera),
            None => return,
        }
    }
}

/// What the owner's stream holds: its tasks, and the lease it gives back when it ends (the pull
/// stopped or failed), so a relaying node need not wait for it to expire. Only the revision this
/// pull last wrote is deleted: a newer pull of the camera on this node keeps its own.
struct Held {
    _tasks: [AbortOnDrop; 2],
    lease: Arc<Lease>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.lease.give_back();
    }
}

impl Lease {
    fn give_back(self: &Arc<Self>) {
        let lease = self.clone();
        tokio::spawn(async move {
            let rev = lease.revision.load(Ordering::SeqCst);
            let _ = lease
                .relay
                .leases
                .delete_expect_revision(&lease.key, Some(rev))
                .await;
        });
    }
}

/// Another node holds the lease: take its frames from NATS and tell it, while this stream lives,
/// that this node wants the camera.
async fn follow(relay: Arc<Relay>, camera: String) -> Result<Items, SourceError> {
    let frames = relay
        .client
        .subscribe(relay.frames(&camera))
        .await
        .map_err(|e| SourceError(format!("while following the camera's owner: {e}")))?;
    let wants = {
        let (client, subject) = (relay.client.clone(), relay.wants(&camera));
        tokio::spawn(async move {
            let mut every = tokio::time::interval(WANT_EVERY);
            loop {
                every.tick().await;
                let _ = client.publish(subject.clone(), Bytes::new()).await;
            }
        })
    };
    let guard = Arc::new(AbortOnDrop::from(wants));
    let items = frames.map(move |m| {
        let _guard = &guard;
        decode(&m.payload).ok_or_else(|| SourceError("a relayed frame is not readable".into()))
    });
    Ok(Box::pin(items))
}

/// An access unit on the wire: its RTP time (4 bytes, big-endian), 1 if it is a keyframe, its AVCC.
fn encode(rtp_ts: u32, random_access: bool, avcc: &[u8]) -> Bytes {
    let mut b = BytesMut::with_capacity(5 + avcc.len());
    b.put_u32(rtp_ts);
    b.put_u8(u8::from(random_access));
    b.put_slice(avcc);
    b.freeze()
}

fn decode(payload: &[u8]) -> Option<Item> {
    if payload.len() < 5 {
        return None;
    }
    let rtp_ts = u32::from_be_bytes(payload[..4].try_into().ok()?);
    Some(Item::Video {
        rtp_ts,
        random_access: payload[4] == 1,
        avcc: payload[5..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_ids_become_tokens_that_cannot_collide() {
        assert_eq!(token("cam-0001"), "cam-0001");
        assert_eq!(token("a.b"), "=612e62");
        assert_eq!(token("612e62"), "612e62");
        assert_ne!(token("a.b"), token("a*b"));
        assert_eq!(token(""), "=");
    }

    #[test]
    fn a_frame_survives_the_wire() {
        let wire = encode(0xdead_beef, true, &[0, 0, 0, 1, 0x65]);
        match decode(&wire) {
            Some(Item::Video {
                rtp_ts,
                random_access,
                avcc,
            }) => {
                assert_eq!(
                    (rtp_ts, random_access, avcc),
                    (0xdead_beef, true, vec![0, 0, 0, 1, 0x65])
                );
            }
            _ => panic!("not a frame"),
        }
        assert!(decode(&[1, 2, 3]).is_none());
    }
}
