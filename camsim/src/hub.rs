//! Per-camera state: whether a camera is enabled, who watches it, and the frame producer (a live
//! ffmpeg encoder or a loop of the start-up clip) that runs only while someone watches.
//!
//! Frames fan out to RTSP sessions through a broadcast channel. Stopping a camera drops the
//! producer and the channel's sender, and bumps a watch counter that every attached RTSP
//! connection observes, so its sessions end at once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;

use crate::encoder::Clip;
use crate::stats::{CameraStats, Stats};
use crate::{Camera, Mode};

mod producer;

/// One frame as sent to every session: NAL units with the capture-time SEI inserted.
#[derive(Debug)]
pub struct Frame {
    pub nals: Vec<Bytes>,
    pub capture_us: i64,
    pub keyframe: bool,
}

/// Why a camera cannot be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    NotFound,
    Stopped,
}

pub struct HubConfig {
    pub mode: Mode,
    pub ffmpeg: PathBuf,
    pub font: PathBuf,
    pub idle_stop: Duration,
}

/// A running producer task. Dropping `_stop` asks it to end; the live producer then kills and
/// reaps its ffmpeg (aborting the task would only kill it and leave a zombie until tokio's next
/// SIGCHLD).
struct Producer {
    task: JoinHandle<()>,
    _stop: oneshot::Sender<()>,
}

#[derive(Default)]
struct CamState {
    enabled: bool,
    stop: Option<watch::Sender<u64>>,
    tx: Option<broadcast::Sender<Arc<Frame>>>,
    producer: Option<Producer>,
    encoder_running: Arc<AtomicBool>,
    frames: Arc<AtomicU64>,
    viewers: usize,
    sessions: usize,
    idle_epoch: u64,
}

pub struct Hub {
    pub config: HubConfig,
    pub clip: Arc<Clip>,
    cameras: Vec<Camera>,
    index: HashMap<String, usize>,
    state: Mutex<Vec<CamState>>,
}

/// An RTSP session attached to a camera; `stopped` changes when the camera is stopped.
pub struct Attachment {
    hub: Arc<Hub>,
    slot: usize,
    pub stopped: watch::Receiver<u64>,
}

/// A playing session: receives the camera's frames while it exists.
pub struct Viewer {
    hub: Arc<Hub>,
    slot: usize,
    pub frames: broadcast::Receiver<Arc<Frame>>,
}

impl Hub {
    pub fn new(config: HubConfig, clip: Arc<Clip>, cameras: Vec<Camera>) -> Self {
        let index = cameras
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let state = cameras
            .iter()
            .map(|_| CamState {
                enabled: true,
                stop: Some(watch::channel(0).0),
                ..CamState::default()
            })
            .collect();
        Self {
            config,
            clip,
            cameras,
            index,
            state: Mutex::new(state),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<CamState>> {
        // a panic while holding the lock leaves consistent counters; keep serving
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn camera(&self, id: &str) -> Option<&Camera> {
        self.index.get(id).map(|&i| &self.cameras[i])
    }

    fn slot(&self, id: &str) -> Result<usize, Unavailable> {
        self.index.get(id).copied().ok_or(Unavailable::NotFound)
    }

    /// Checks that the camera exists and is enabled.
    pub fn check(&self, id: &str) -> Result<(), Unavailable> {
        let slot = self.slot(id)?;
        if self.lock()[slot].enabled {
            Ok(())
        } else {
            Err(Unavailable::Stopped)
        }
    }

    pub fn attach(self: &Arc<Self>, id: &str) -> Result<Attachment, Unavailable> {
        let slot = self.slot(id)?;
        let mut state = self.lock();
        let st = &mut state[slot];
        let stop = st
            .stop
            .as_ref()
            .filter(|_| st.enabled)
            .ok_or(Unavailable::Stopped)?;
        let mut stopped = stop.subscribe();
        stopped.borrow_and_update();
        st.sessions += 1;
        Ok(Attachment {
            hub: self.clone(),
            slot,
            stopped,
        })
    }

    /// Adds a viewer, starting the camera's producer if it is the first.
    pub fn subscribe(self: &Arc<Self>, id: &str) -> Result<Viewer, Unavailable> {
        let slot = self.slot(id)?;
        let mut state = self.lock();
        let st = &mut state[slot];
        if !st.enabled {
            return Err(Unavailable::Stopped);
        }
        let tx = match &st.tx {
            Some(tx) => tx.clone(),
            None => {
                // ~4 s of frames: a slow session lags and skips to the next keyframe instead
                let (tx, _) = broadcast::channel(64);
                st.tx = Some(tx.clone());
                tx
            }
        };
        if st.producer.as_ref().is_none_or(|p| p.task.is_finished()) {
            let (stop, stopped) = oneshot::channel();
            let task = producer::spawn(self, &self.cameras[slot], tx.clone(), st, stopped);
            st.producer = Some(Producer { task, _stop: stop });
        }
        st.viewers += 1;
        st.idle_epoch += 1;
        Ok(Viewer {
            hub: self.clone(),
            slot,
            frames: tx.subscribe(),
        })
    }

    fn release_viewer(self: &Arc<Self>, slot: usize) {
        let mut state = self.lock();
        let st = &mut state[slot];
        st.viewers = st.viewers.saturating_sub(1);
        if st.viewers > 0 || st.producer.is_none() {
            return;
        }
        st.idle_epoch += 1;
        let epoch = st.idle_epoch;
        let hub = self.clone();
        let delay = self.config.idle_stop;
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    tokio::time::sleep(delay).await;
                    let mut state = hub.lock();
                    let st = &mut state[slot];
                    if st.viewers == 0 && st.idle_epoch == epoch {
                        tracing::info!(camera = %hub.cameras[slot].id, "no viewers, stopping producer");
                        stop_producer(st);
                    }
                });
            }
            Err(_) => stop_producer(st),
        }
    }

    /// Disables a camera and ends its sessions. Returns false for an unknown id.
    pub fn stop_camera(&self, id: &str) -> bool {
        let Ok(slot) = self.slot(id) else {
            return false;
        };
        let mut state = self.lock();
        let st = &mut state[slot];
        st.enabled = false;
        stop_producer(st);
        if let Some(stop) = &st.stop {
            stop.send_modify(|n| *n += 1);
        }
        true
    }

    /// Re-enables a camera. Returns false for an unknown id.
    pub fn start_camera(&self, id: &str) -> bool {
        let Ok(slot) = self.slot(id) else {
            return false;
        };
        self.lock()[slot].enabled = true;
        true
    }

    /// Stops every producer and ends every session.
    pub fn shutdown(&self) {
        for st in self.lock().iter_mut() {
            stop_producer(st);
            // dropping the watch sender wakes every attached connection
            st.stop = None;
            st.enabled = false;
        }
    }

    pub fn stats(&self) -> Stats {
        let state = self.lock();
        let cameras = self
            .cameras
            .iter()
            .zip(state.iter())
            .map(|(cam, st)| CameraStats {
                id: cam.id.clone(),
                enabled: st.enabled,
                sessions: st.sessions,
                playing: st.viewers,
                producing: st.producer.as_ref().is_some_and(|p| !p.task.is_finished()),
                ffmpeg_running: st.encoder_running.load(Ordering::Relaxed),
                frames: st.frames.load(Ordering::Relaxed),
            })
            .collect();
        Stats { cameras }
    }
}

/// Asks the producer to end (dropping its stop sender) and drops the camera's frame sender; once
/// the producer has ended, its sessions' receivers see the channel closed.
fn stop_producer(st: &mut CamState) {
    st.producer = None;
    st.tx = None;
    st.encoder_running.store(false, Ordering::Relaxed);
}

impl Drop for Attachment {
    fn drop(&mut self) {
        let mut state = self.hub.lock();
        let st = &mut state[self.slot];
        st.sessions = st.sessions.saturating_sub(1);
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        self.hub.release_viewer(self.slot);
    }
}
