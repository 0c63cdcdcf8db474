//! Content-fingerprinted addresses for the site files the page shell names (issue #12).
//!
//! cargo-leptos renames the wasm, its JS and the CSS after their hash (`hash-files` in
//! Cargo.toml), and Leptos writes those names into the page. The files we copy ourselves
//! (MapLibre's script and stylesheet, the favicon) keep their names, so the shell adds
//! `?v=<fingerprint of the content>`: a new MapLibre is a new address, and the server may let a
//! browser keep each address for a year without asking (`server::web::cache_headers` checks that
//! the fingerprint is the current one before it says so).

/// The files the shell names with a fingerprint. Only these are ever read to fingerprint: a
/// request's path never chooses what the server reads or keeps.
pub const FINGERPRINTED: [&str; 3] = [
    "/favicon.svg",
    "/maplibre/maplibre-gl.css",
    "/maplibre/maplibre-gl.js",
];

#[cfg(feature = "ssr")]
mod fingerprint {
    use std::collections::HashMap;
    use std::hash::{DefaultHasher, Hasher};
    use std::sync::{Mutex, OnceLock};

    /// (site root, path) → the file's fingerprint, if it has one.
    type Fingerprints = HashMap<(String, String), Option<String>>;

    /// Fingerprints by site root and path, computed once per file per process (site files do not change
    /// under a running server: a rebuild restarts it).
    fn cache() -> &'static Mutex<Fingerprints> {
        static CACHE: OnceLock<Mutex<Fingerprints>> = OnceLock::new();
        CACHE.get_or_init(Default::default)
    }

    /// The fingerprint of the file at `path` (as requested, `/maplibre/maplibre-gl.js`) under the
    /// site root, or `None` when there is no such file or it is not one of
    /// [`super::FINGERPRINTED`]. `DefaultHasher::new()` has fixed keys: the same binary gives the
    /// same fingerprint on every node of a cluster.
    pub fn of(site_root: &str, path: &str) -> Option<String> {
        if !super::FINGERPRINTED.contains(&path) {
            return None;
        }
        let mut cache = cache()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .entry((site_root.to_string(), path.to_string()))
            .or_insert_with(|| {
                let file = std::path::Path::new(site_root).join(path.trim_start_matches('/'));
                let bytes = std::fs::read(file).ok()?;
                let mut h = DefaultHasher::new();
                h.write(&bytes);
                Some(format!("{:016x}", h.finish()))
            })
            .clone()
    }

    /// `path?v=<fingerprint>`, or the bare path when the file is missing (the page still works).
    pub fn url(site_root: &str, path: &str) -> String {
        match of(site_root, path) {
            Some(v) => format!("{path}?v={v}"),
            None => path.to_string(),
        }
    }
}

#[cfg(feature = "ssr")]
pub use fingerprint::of as fingerprint;

/// The address the page names for a site file: fingerprinted when rendered on the server (the
/// shell is never rendered in the browser).
pub fn site_url(site_root: &str, path: &str) -> String {
    #[cfg(feature = "ssr")]
    return fingerprint::url(site_root, path);
    #[cfg(not(feature = "ssr"))]
    {
        let _ = site_root;
        path.to_string()
    }
}
