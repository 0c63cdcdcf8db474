//! A WHEP viewing session (the endpoints are in `http`): it is registered, joins the camera's pull,
//! and has a forwarding task that sends the camera's current GOP, then every new frame, as RTP on the
//! viewer's own timeline.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, Notify};

use super::error::VideoError;
use super::peer::Peer;
use super::source::Frame;
use super::Video;
use crate::auth::revoke::Holder;

/// A viewer whose ICE/DTLS does not complete in this time is dropped.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One viewer of one camera.
pub struct Session {
    pub id: String,
    pub camera: String,
    pub user_id: i64,
    /// Who opened it and with what (its rights can end it: `auth::revoke`).
    pub holder: Option<Holder>,
    /// The epoch of the camera's pull this viewer joined (see `lifecycle`).
    pub epoch: u64,
    pub peer: Arc<Peer>,
    ended: Notify,
}

impl Session {
    pub fn end(&self) {
        self.ended.notify_one();
    }
}

/// Who asks for a session, and when their rights were checked.
pub struct Viewer {
    pub user: app::model::SessionUser,
    pub holder: Option<Holder>,
    pub checked_at: u64,
    /// The server's record of ended rights, to check `holder` against once the session is set up.
    pub rights: Arc<crate::auth::Rights>,
}

/// Registers the session (audit row first), joins the camera's pull and starts forwarding; the id.
/// Rights taken away while it was being set up end it before it is answered.
pub async fn start_session(
    pool: sqlx::PgPool,
    video: Arc<Video>,
    peer: Arc<Peer>,
    camera: String,
    who: Viewer,
    remote: Option<String>,
) -> Result<String, VideoError> {
    let user = who.user;
    let id = crate::auth::store::new_secret();
    if let Err(e) =
        super::store::started(&pool, &video.config.server_id, &id, &camera, &user, remote).await
    {
        peer.close().await;
        return Err(e.into());
    }
    let (pull, epoch) = match video.attach(&camera).await {
        Ok(p) => p,
        Err(e) => {
            peer.close().await;
            super::store::ended(&pool, &id, "the camera could not be opened").await;
            return Err(e);
        }
    };
    let session = Arc::new(Session {
        id: id.clone(),
        camera,
        user_id: user.id,
        holder: who.holder.clone(),
        epoch,
        peer,
        ended: Notify::new(),
    });
    if !video.add_session(session.clone()) {
        // never registered, so end_all did not see it: released here
        let _ = video.release(session, "the server is stopping").await;
        return Err(VideoError::Closing);
    }
    video.counters.whep_sessions.fetch_add(1, Ordering::Relaxed);
    tokio::spawn(forward(video.clone(), session, pull));
    if who
        .holder
        .is_some_and(|h| who.rights.endings.revoked_since(&h, who.checked_at))
    {
        video.end_session(&id, "the viewer's rights ended").await;
        return Err(VideoError::RightsEnded);
    }
    Ok(id)
}

/// Maps the camera's RTP clock onto the viewer's own continuous timeline: a pull that reconnects
/// restarts its clock, and the viewer must not see time jump backwards.
#[derive(Debug)]
pub struct Timeline {
    last_src: Option<u32>,
    out: u32,
}

/// One frame at 15 fps on the 90 kHz clock: the step used across a discontinuity.
const FRAME_TICKS: u32 = 6000;

impl Timeline {
    pub fn new(start: u32) -> Self {
        Self {
            last_src: None,
            out: start,
        }
    }

    pub fn map(&mut self, src: u32, continuous: bool) -> u32 {
        if let Some(last) = self.last_src {
            // steps of up to 5 s either way are real (B-frames step back); anything else is a new
            // source clock, crossed with one frame's step
            let delta = src.wrapping_sub(last) as i32;
            self.out = if continuous && delta.unsigned_abs() <= 5 * 90_000 {
                self.out.wrapping_add_signed(delta)
            } else {
                self.out.wrapping_add(FRAME_TICKS)
            };
        }
        self.last_src = Some(src);
        self.out
    }
}

async fn send(
    video: &Video,
    peer: &Peer,
    frame: &Frame,
    ts: u32,
) -> Result<(), webrtc::error::Error> {
    let last = frame.payloads.len().saturating_sub(1);
    for (i, p) in frame.payloads.iter().enumerate() {
        peer.send(i == last, ts, p).await?;
        video
            .counters
            .packets_forwarded
            .fetch_add(1, Ordering::Relaxed);
        video
            .counters
            .bytes_forwarded
            .fetch_add(p.len() as u64, Ordering::Relaxed);
    }
    Ok(())
}

/// The viewer's forwarding task: wait for the connection, send the GOP, then follow the camera.
async fn forward(video: Arc<Video>, session: Arc<Session>, pull: Arc<super::source::Pull>) {
    let peer = session.peer.clone();
    let reason = tokio::select! {
        r = run(&video, &session, &pull, &peer) => r,
        () = session.ended.notified() => "ended".to_string(),
        () = peer.closed() => "the viewer's connection closed".to_string(),
        () = pull.stopped() => "the camera's pull stopped".to_string(),
    };
    video.end_session(&session.id, &reason).await;
}

async fn run(video: &Video, session: &Session, pull: &super::source::Pull, peer: &Peer) -> String {
    if !peer.connected(CONNECT_TIMEOUT).await {
        return "the viewer never connected".into();
    }
    let (gop, mut rx) = pull.subscribe();
    let mut timeline = Timeline::new(rand::random());
    let mut generation = None;
    let mut need_keyframe = gop.is_empty();
    for f in &gop {
        let ts = timeline.map(f.rtp_ts, generation == Some(f.generation));
        generation = Some(f.generation);
        if let Err(e) = send(video, peer, f, ts).await {
            return format!("send failed: {e}");
        }
    }
    loop {
        let frame = match rx.recv().await {
            Ok(f) => f,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::debug!(session = %session.id, skipped = n, "viewer lagged; waiting for a keyframe");
                need_keyframe = true;
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return "the camera's pull stopped".into(),
        };
        if generation != Some(frame.generation) {
            // the pull reconnected: start again from a keyframe
            need_keyframe = true;
        }
        if need_keyframe && !frame.keyframe {
            continue;
        }
        need_keyframe = false;
        let ts = timeline.map(frame.rtp_ts, generation == Some(frame.generation));
        generation = Some(frame.generation);
        if let Err(e) = send(video, peer, &frame, ts).await {
            return format!("send failed: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_viewer_timeline_never_jumps_back_across_a_reconnect() {
        let mut t = Timeline::new(1000);
        assert_eq!(t.map(500_000, true), 1000);
        assert_eq!(t.map(506_000, true), 7000);
        // the camera restarted its clock
        assert_eq!(t.map(12, false), 13_000);
        assert_eq!(t.map(6012, true), 19_000);
        // wrap-around of the source clock is a normal step, and so is a B-frame's step back
        let mut w = Timeline::new(0);
        w.map(u32::MAX - 2999, true);
        assert_eq!(w.map(3000, true), 6000);
        assert_eq!(w.map(0, true), 3000);
    }
}
