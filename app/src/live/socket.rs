//! The WebSocket itself (browser only): connect, subscribe, apply frames, heartbeat, reconnect.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{Change, View, ViewState};
use super::{sort_incidents, LiveData, LiveState, Toast};
use crate::live_types::{ClientMessage, Op, ServerMessage, LIVE_LAYERS};
use crate::map;

#[derive(Default)]
struct Conn {
    ws: Option<web_sys::WebSocket>,
    /// The live layers as the protocol keeps them (the same code the server's property test runs).
    view: ViewState,
    /// The socket opened before the map had a viewport: the opening messages wait for one.
    opening: bool,
    /// Every camera (from the OGC API at start), kept current by the live layer: the clustered
    /// layer shows them all, the live layer only moves those in view.
    cameras: HashMap<String, Value>,
    cameras_loaded: bool,
    /// Camera changes not yet drawn: the clustered layer is redrawn at most every few seconds.
    cameras_dirty: bool,
    retry_ms: u32,
    last_pong: f64,
    toast_seq: u64,
    handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

thread_local! {
    static CONN: RefCell<Option<Rc<RefCell<Conn>>>> = const { RefCell::new(None) };
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn url() -> String {
    let loc = web_sys::window().map(|w| w.location());
    let proto = loc
        .as_ref()
        .and_then(|l| l.protocol().ok())
        .unwrap_or_default();
    let host = loc.as_ref().and_then(|l| l.host().ok()).unwrap_or_default();
    format!(
        "{}//{host}/ws",
        if proto == "https:" { "wss:" } else { "ws:" }
    )
}

pub fn start(data: LiveData) {
    let conn = Rc::new(RefCell::new(Conn {
        retry_ms: 1000,
        ..Default::default()
    }));
    CONN.with(|c| *c.borrow_mut() = Some(conn.clone()));
    load_cameras(conn.clone(), data);
    poll_offline(data);
    connect(conn.clone(), data);
    // heartbeat: a ping every 15 s; no pong for 40 s means the link is dead
    let hb_conn = conn.clone();
    let beat = Closure::<dyn FnMut()>::new(move || {
        let c = hb_conn.borrow();
        if let Some(ws) = &c.ws {
            if ws.ready_state() == web_sys::WebSocket::OPEN {
                let _ = ws.send_with_str(r#"{"type":"ping"}"#);
                if now() - c.last_pong > 40_000.0 {
                    let _ = ws.close();
                }
            }
        }
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(
            beat.as_ref().unchecked_ref(),
            15_000,
        );
    }
    beat.forget();
    // moving vehicles: redraw the (clustered) camera layer at most every 3 s
    let cam_conn = conn.clone();
    let redraw = Closure::<dyn FnMut()>::new(move || {
        let mut c = cam_conn.borrow_mut();
        if c.cameras_dirty {
            c.cameras_dirty = false;
            push_cameras(&c);
        }
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(
            redraw.as_ref().unchecked_ref(),
            3_000,
        );
    }
    redraw.forget();
    // the viewport changed: subscribe again
    map::on_moveend(subscribe_current);
    on_cleanup(move || {
        CONN.with(|c| {
            if let Some(conn) = c.borrow_mut().take() {
                if let Some(ws) = conn.borrow_mut().ws.take() {
                    ws.set_onclose(None);
                    let _ = ws.close();
                }
            }
        });
    });
}

/// All cameras once (positions are then kept current by events), for the clustered camera layer.
fn load_cameras(conn: Rc<RefCell<Conn>>, data: LiveData) {
    leptos::task::spawn_local(async move {
        // OGC items are the map's GeoJSON, handed to MapLibre as they are
        if let Ok(v) = crate::api::get::<Value>("/ogc/collections/cameras/items?limit=10000").await
        {
            let mut c = conn.borrow_mut();
            for f in v["features"].as_array().cloned().unwrap_or_default() {
                if let Some(id) = f["id"].as_str() {
                    c.cameras.insert(id.to_string(), f);
                }
            }
            c.cameras.values().for_each(|f| data.note_camera(f));
            c.cameras_loaded = true;
            push_cameras(&c);
        }
    });
}

/// Every 10 s, the server's list of offline cameras: status changes outside the viewport are not
/// pushed to this client, and the operator's offline list must still be complete.
fn poll_offline(data: LiveData) {
    let tick = Closure::<dyn FnMut()>::new(move || {
        leptos::task::spawn_local(async move {
            if let Ok(list) =
                crate::api::get::<crate::contract::cameras::CameraList>("/api/cameras/offline")
                    .await
            {
                data.set_offline(list.features);
            }
        });
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            10_000,
        );
    }
    tick.forget();
}

fn push_cameras(c: &Conn) {
    if c.cameras_loaded {
        let features: Vec<&Value> = c.cameras.values().collect();
        map::set_source_data(
            "cameras",
            &json!({"type": "FeatureCollection", "features": features}),
        );
    }
}

fn push_incidents(c: &Conn, data: LiveData) {
    let mut list: Vec<Value> = c
        .view
        .layers
        .get("incidents")
        .map(|l| l.values().cloned().collect())
        .unwrap_or_default();
    sort_incidents(&mut list);
    map::set_source_data(
        "incidents",
        &json!({"type": "FeatureCollection", "features": list}),
    );
    data.incidents.set(list);
}

fn current_view() -> Option<View> {
    Some(View {
        bbox: map::bounds()?,
        layers: LIVE_LAYERS.iter().map(ToString::to_string).collect(),
    })
}

fn send(ws: &web_sys::WebSocket, msg: &ClientMessage) {
    if let Ok(text) = serde_json::to_string(msg) {
        let _ = ws.send_with_str(&text);
    }
}

/// The socket opened, or the viewport changed: what `ViewState` says to send.
fn subscribe_current() {
    CONN.with(|c| {
        let Some(conn) = c.borrow().as_ref().cloned() else {
            return;
        };
        let mut c = conn.borrow_mut();
        let Some(ws) = c.ws.clone() else { return };
        if ws.ready_state() != web_sys::WebSocket::OPEN {
            return;
        }
        let Some(view) = current_view() else {
            c.opening = true;
            return;
        };
        if std::mem::take(&mut c.opening) {
            for msg in c.view.on_open(view) {
                send(&ws, &msg);
            }
        } else if let Some(msg) = c.view.on_view(view) {
            send(&ws, &msg);
        }
    });
}

fn connect(conn: Rc<RefCell<Conn>>, data: LiveData) {
    let Ok(ws) = web_sys::WebSocket::new(&url()) else {
        return schedule_reconnect(conn, data);
    };
    let on_open = {
        let conn = conn.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_| {
            {
                let mut c = conn.borrow_mut();
                c.retry_ms = 1000;
                c.last_pong = now();
            }
            data.state.set(LiveState::Live);
            conn.borrow_mut().opening = true;
            subscribe_current();
        })
    };
    let on_message = {
        let conn = conn.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            let Some(text) = ev
                .dyn_into::<web_sys::MessageEvent>()
                .ok()
                .and_then(|m| m.data().as_string())
            else {
                return;
            };
            let Ok(msg) = serde_json::from_str::<ServerMessage>(&text) else {
                return;
            };
            apply(&conn, data, &msg);
        })
    };
    let on_close = {
        let conn = conn.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            data.state.set(LiveState::Reconnecting);
            // 4001: the rights this socket was opened with ended (signed out, role changed, password
            // changed, disabled). Reconnect only if this browser may still operate, else sign in.
            let code = ev.dyn_into::<web_sys::CloseEvent>().map(|e| e.code());
            if code == Ok(4001) {
                conn.borrow_mut().ws = None;
                let conn = conn.clone();
                leptos::task::spawn_local(async move {
                    let go = |to: String| {
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().set_href(&to);
                        }
                    };
                    match crate::api::get::<crate::contract::auth::Me>("/api/me").await {
                        Ok(me) if me.user.can_operate() => schedule_reconnect(conn, data),
                        // still signed in, without the right to this page (a planner now)
                        Ok(_) => go("/".to_string()),
                        Err(e) if e.status == 401 => {
                            let here = web_sys::window()
                                .and_then(|w| w.location().pathname().ok())
                                .unwrap_or_default();
                            go(format!("/signin?next={}", crate::api::encode(&here)));
                        }
                        // the server cannot tell now (503): keep trying
                        Err(_) => schedule_reconnect(conn, data),
                    }
                });
                return;
            }
            conn.borrow_mut().ws = None;
            schedule_reconnect(conn.clone(), data);
        })
    };
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let mut c = conn.borrow_mut();
    c.handlers = vec![on_open, on_message, on_close];
    c.ws = Some(ws);
}

fn schedule_reconnect(conn: Rc<RefCell<Conn>>, data: LiveData) {
    let delay = {
        let mut c = conn.borrow_mut();
        let d = c.retry_ms;
        c.retry_ms = (c.retry_ms * 2).min(15_000);
        d
    };
    let again = Closure::once_into_js(move || {
        // the page may have been left meanwhile
        if CONN.with(|c| c.borrow().as_ref().is_some_and(|x| Rc::ptr_eq(x, &conn))) {
            connect(conn, data);
        }
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
            again.unchecked_ref(),
            delay as i32,
        );
    }
}

fn apply(conn: &Rc<RefCell<Conn>>, data: LiveData, msg: &ServerMessage) {
    let mut c = conn.borrow_mut();
    if *msg == ServerMessage::Pong {
        c.last_pong = now();
    }
    let mut incidents_changed = false;
    let changes = c.view.apply(msg);
    if matches!(msg, ServerMessage::Synced { .. }) && c.view.is_synced() {
        crate::timing::mark_once(crate::timing::LIVE_SYNCED);
    }
    for change in changes {
        match change {
            Change::Event {
                layer,
                id,
                op,
                fresh,
            } if layer == "incidents" => {
                incidents_changed = true;
                let feature = c
                    .view
                    .layers
                    .get("incidents")
                    .and_then(|l| l.get(&id))
                    .cloned();
                if let (Op::Upsert, true, Some(f)) = (op, fresh, feature) {
                    let p = &f["properties"];
                    if p["severity"].as_i64().unwrap_or(0) >= 3 && p["status"] == "new" {
                        c.toast_seq += 1;
                        let toast = Toast {
                            id: c.toast_seq,
                            incident: id.clone(),
                            kind: p["kind"].as_str().unwrap_or_default().to_string(),
                            text: p["description"].as_str().unwrap_or_default().to_string(),
                        };
                        data.toasts.update(|t| t.push(toast));
                    }
                }
            }
            Change::Event {
                layer,
                id,
                op: Op::Upsert,
                ..
            } if layer == "cameras" => {
                // a camera that leaves the view stays on the clustered layer where it was last seen
                if let Some(f) = c
                    .view
                    .layers
                    .get("cameras")
                    .and_then(|l| l.get(&id))
                    .cloned()
                {
                    data.note_camera(&f);
                    data.last_camera.set(Some(f.clone()));
                    c.cameras.insert(id, f);
                    c.cameras_dirty = true;
                }
            }
            Change::Layer(layer) if layer == "incidents" => incidents_changed = true,
            Change::Layer(layer) if layer == "cameras" => {
                let held: Vec<(String, Value)> = c
                    .view
                    .layers
                    .get("cameras")
                    .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default();
                for (id, f) in held {
                    data.note_camera(&f);
                    c.cameras.insert(id, f);
                }
                c.cameras_dirty = true;
            }
            _ => {}
        }
    }
    if incidents_changed {
        push_incidents(&c, data);
    }
}
