//! `<VideoPlayer>`: one camera's live feed. It connects over WHEP, watches that frames keep coming,
//! reconnects with backoff when the connection fails, and ends the session when it is removed from
//! the page (closing the side panel, leaving the wall).

use leptos::prelude::*;

use crate::model::Lang;

/// What the operator sees over the video.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlayState {
    Connecting,
    Live,
    /// Frames stopped or the connection dropped; trying again.
    Reconnecting,
    /// The camera itself is offline (its status says so and no frames arrive).
    Offline,
}

impl PlayState {
    pub fn code(self) -> &'static str {
        match self {
            PlayState::Connecting => "connecting",
            PlayState::Live => "live",
            PlayState::Reconnecting => "reconnecting",
            PlayState::Offline => "offline",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PlayState::Connecting => lang.pick("Đang kết nối…", "Connecting…"),
            PlayState::Live => lang.pick("Trực tiếp", "Live"),
            PlayState::Reconnecting => lang.pick("Đang kết nối lại…", "Reconnecting…"),
            PlayState::Offline => lang.pick("Camera mất kết nối", "Camera offline"),
        }
    }
}

/// The state shown, from what the player observes: frames flowing always means live.
pub fn shown_state(frames_flowing: bool, ever_live: bool, camera_offline: bool) -> PlayState {
    match (frames_flowing, camera_offline, ever_live) {
        (true, _, _) => PlayState::Live,
        (false, true, _) => PlayState::Offline,
        (false, false, true) => PlayState::Reconnecting,
        (false, false, false) => PlayState::Connecting,
    }
}

#[component]
pub fn VideoPlayer(
    #[prop(into)] camera: String,
    #[prop(into)] title: Signal<String>,
    /// True while the camera's status is offline (from the live data).
    #[prop(into)]
    offline: Signal<bool>,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let state = RwSignal::new(PlayState::Connecting);
    let error = RwSignal::new(None::<String>);
    let video_ref = NodeRef::<leptos::html::Video>::new();
    #[cfg(feature = "hydrate")]
    {
        let camera = camera.clone();
        let started = std::cell::Cell::new(false);
        Effect::new(move |_| {
            if let Some(v) = video_ref.get() {
                if !started.replace(true) {
                    hydrate::run(camera.clone(), v, state, error, offline);
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = offline;
    view! {
        <figure class="player" data-camera=camera.clone() data-state=move || state.get().code()>
            // the attribute for the server's HTML, the property for players made in the browser:
            // Chromium's autoplay policy reads the property, and refuses to play an unmuted video
            <video node_ref=video_ref autoplay=true muted=true playsinline=true prop:muted=true></video>
            <figcaption>
                <span class="player-title">{move || title.get()}</span>
                <span class="player-state">{move || state.get().label(lang.get())}</span>
            </figcaption>
            {move || error.get().map(|e| view! { <p class="player-error">{e}</p> })}
        </figure>
    }
}

#[cfg(feature = "hydrate")]
mod hydrate {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{HtmlVideoElement, RtcPeerConnectionState};

    use super::{shown_state, PlayState};
    use crate::video::whep::{connect, Failure, WhepSession};

    /// How often the player looks at the decoded-frame count (it says "live" within one tick).
    const TICK_MS: i32 = 200;

    async fn sleep(ms: i32) {
        let p = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(p).await;
    }

    fn frames(v: &HtmlVideoElement) -> u32 {
        v.get_video_playback_quality().total_video_frames()
    }

    pub fn run(
        camera: String,
        video: web_sys::HtmlVideoElement,
        state: RwSignal<PlayState>,
        error: RwSignal<Option<String>>,
        offline: Signal<bool>,
    ) {
        let alive = Rc::new(Cell::new(true));
        let current: Rc<RefCell<Option<WhepSession>>> = Rc::new(RefCell::new(None));
        {
            // cleanup runs on the browser's one thread; the wrapper only satisfies on_cleanup's bound
            let held = send_wrapper::SendWrapper::new((alive.clone(), current.clone()));
            on_cleanup(move || {
                let (alive, current) = &*held;
                alive.set(false);
                if let Some(s) = current.borrow_mut().take() {
                    s.close();
                }
            });
        }
        let video: HtmlVideoElement = video.unchecked_into();
        // however the element was made (server HTML, hydration, created in the browser), it plays
        // muted: a kiosk opening /wall has no user gesture, and autoplay needs `muted` to be true
        video.set_default_muted(true);
        video.set_muted(true);
        video.set_autoplay(true);
        leptos::task::spawn_local(async move {
            let mut ever_live = false;
            let mut backoff = 1000;
            while alive.get() {
                match connect(&camera, &video).await {
                    Ok(session) => {
                        error.set(None);
                        *current.borrow_mut() = Some(session);
                        let mut last = frames(&video);
                        let mut last_time = video.current_time();
                        let mut still = 0u32;
                        let mut disconnected = 0u32;
                        while alive.get() {
                            sleep(TICK_MS).await;
                            let n = frames(&video);
                            let t = video.current_time();
                            // "live" means frames on the screen: decoded frames of a paused video
                            // (refused autoplay) do not count
                            let flowing = n > last && t > last_time && !video.paused();
                            still = if flowing { 0 } else { still + 1 };
                            last = n;
                            last_time = t;
                            if video.paused() && video.ready_state() >= 2 {
                                // a refused or interrupted play(): ask again (muted, so allowed)
                                video.set_muted(true);
                                if let Ok(p) = video.play() {
                                    // handled, so a refusal is not an uncaught error
                                    drop(wasm_bindgen_futures::JsFuture::from(p));
                                }
                            }
                            // a short pause between frames (15 fps) is not a stall: 2 s is
                            let now_flowing = still < 2000 / TICK_MS as u32;
                            ever_live |= flowing;
                            state.set(shown_state(
                                now_flowing && ever_live,
                                ever_live,
                                offline.get_untracked(),
                            ));
                            if flowing {
                                backoff = 1000;
                            }
                            let pc_state = current
                                .borrow()
                                .as_ref()
                                .map(WhepSession::state)
                                .unwrap_or(RtcPeerConnectionState::Closed);
                            disconnected = if pc_state == RtcPeerConnectionState::Disconnected {
                                disconnected + 1
                            } else {
                                0
                            };
                            // the server ended the session (camera removed, restart): ICE says
                            // "disconnected" within seconds, "failed" only after half a minute
                            let broken = disconnected > 5000 / TICK_MS as u32
                                || matches!(
                                    pc_state,
                                    RtcPeerConnectionState::Failed | RtcPeerConnectionState::Closed
                                );
                            // the server keeps a session through a camera outage; a minute of
                            // silence while the camera is said to be online means a lost session
                            if broken
                                || (still > 60_000 / TICK_MS as u32 && !offline.get_untracked())
                            {
                                break;
                            }
                        }
                        if let Some(s) = current.borrow_mut().take() {
                            s.close();
                        }
                    }
                    Err(Failure::Retry(e)) => {
                        error.set(Some(e));
                        state.set(shown_state(false, ever_live, offline.get_untracked()));
                    }
                    Err(Failure::Final(e)) => {
                        // the camera is gone or may not be watched: asking again will not help
                        error.set(Some(e));
                        state.set(PlayState::Offline);
                        return;
                    }
                }
                if !alive.get() {
                    break;
                }
                sleep(backoff).await;
                backoff = (backoff * 2).min(10_000);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_decide_live_and_the_camera_status_explains_a_stall() {
        assert_eq!(shown_state(false, false, false), PlayState::Connecting);
        assert_eq!(shown_state(true, true, true), PlayState::Live);
        assert_eq!(shown_state(false, true, false), PlayState::Reconnecting);
        assert_eq!(shown_state(false, true, true), PlayState::Offline);
        assert_eq!(shown_state(false, false, true), PlayState::Offline);
    }
}
