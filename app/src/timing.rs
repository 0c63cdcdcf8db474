//! Marks on the page's timeline (browser only) for what a person waits for: the map drawn, the
//! live picture in (issue #12). `performance.mark` puts them beside the browser's own navigation
//! timing, so the browser test (`end2end/tests/first-second.spec.mjs`) reads "milliseconds from
//! navigation" for each, and anyone can see them in the developer tools' performance panel.

/// MapLibre's `load`: the style and its sources are loaded and the map is drawn once.
pub const MAP_LOADED: &str = "ioc:map-loaded";
/// The first live answer is applied: every subscribed layer shows the server's current snapshot.
pub const LIVE_SYNCED: &str = "ioc:live-synced";

/// Marks `name` the first time only (a reconnect's snapshots are not the page's first second).
pub fn mark_once(name: &str) {
    let Some(perf) = web_sys::window().and_then(|w| w.performance()) else {
        return;
    };
    if perf.get_entries_by_name(name).length() == 0 {
        let _ = perf.mark(name);
    }
}
