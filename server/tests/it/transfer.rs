//! What travels to the browser (issue #12): the built site's files and large API answers are
//! compressed as the client accepts (brotli or gzip), files are revalidated with `Last-Modified`
//! (a 304 carries no body), and pages are kept only by the browser that asked.

use std::io::Read;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::common::{app_with, config, database_url, pool};

/// A built site of the test's own: one script of 200 KB that compresses well.
fn site() -> (String, Vec<u8>) {
    let dir = std::env::temp_dir().join(format!(
        "ioc-map-test-{}-site-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(dir.join("pkg")).expect("site dir");
    let script: Vec<u8> = (0..4000)
        .flat_map(|i| format!("console.log('line {i} of the app script');\n").into_bytes())
        .collect();
    std::fs::write(dir.join("pkg/app.js"), &script).expect("write the script");
    (dir.to_string_lossy().into_owned(), script)
}

async fn fetch(
    app: &Router,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let mut req = Request::get(uri).header("host", "test.local");
    for (k, v) in headers {
        req = req.header(k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("an answer");
    let (parts, body) = res.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes().to_vec();
    (parts.status, parts.headers, bytes)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("gzip");
    out
}

#[tokio::test]
async fn site_files_are_compressed_and_revalidated() {
    let (root, script) = site();
    let mut c = config(database_url());
    c.site_root = root.clone();
    let app = app_with(pool().await, c);

    let (status, h, body) = fetch(&app, "/pkg/app.js", &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(status, 200);
    assert_eq!(h[header::CONTENT_ENCODING], "gzip");
    assert!(
        body.len() * 10 < script.len(),
        "{} of {} bytes",
        body.len(),
        script.len()
    );
    assert_eq!(gunzip(&body), script, "the same file once unpacked");
    assert_eq!(h[header::CACHE_CONTROL], "no-cache");
    let modified = h[header::LAST_MODIFIED]
        .to_str()
        .expect("a date")
        .to_string();

    let (_, h, _) = fetch(
        &app,
        "/pkg/app.js",
        &[(header::ACCEPT_ENCODING, "br;q=1.0, gzip;q=0.5")],
    )
    .await;
    assert_eq!(
        h[header::CONTENT_ENCODING],
        "br",
        "brotli when the client prefers it"
    );

    let (_, h, body) = fetch(&app, "/pkg/app.js", &[]).await;
    assert!(
        h.get(header::CONTENT_ENCODING).is_none(),
        "plain for a client that asks for nothing"
    );
    assert_eq!(body, script);

    let (status, _, body) = fetch(
        &app,
        "/pkg/app.js",
        &[(header::IF_MODIFIED_SINCE, &modified)],
    )
    .await;
    assert_eq!(status, 304, "unchanged: the browser's copy is good");
    assert!(body.is_empty());
    let _ = std::fs::remove_dir_all(root);
}

#[tokio::test]
async fn large_api_answers_are_compressed_and_pages_are_private() {
    let app = app_with(pool().await, config(database_url()));
    let uri = "/ogc/collections/wards/items?limit=100";
    let (_, _, plain) = fetch(&app, uri, &[]).await;
    let (status, h, packed) = fetch(&app, uri, &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(status, 200);
    assert_eq!(h[header::CONTENT_ENCODING], "gzip");
    assert!(
        packed.len() * 2 < plain.len(),
        "{} of {} bytes",
        packed.len(),
        plain.len()
    );
    // the same document, but for its timeStamp (to the second: two requests may straddle one)
    let without_time = |bytes: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("JSON");
        v.as_object_mut().map(|o| o.remove("timeStamp"));
        v
    };
    assert_eq!(without_time(&gunzip(&packed)), without_time(&plain));

    let (status, h, _) = fetch(&app, "/", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(h[header::CACHE_CONTROL], "private, no-cache");
}

/// Files named after their content are kept a year; the page names them so (issue #12).
#[tokio::test]
async fn files_named_by_their_content_are_kept_and_the_page_names_them() {
    let (root, script) = site();
    let dir = std::path::Path::new(&root);
    // what cargo-leptos' `hash-files` leaves: renamed files and the hashes in hash.txt
    let hash = "AbCdEfGhIjKlMnOpQrSt_-";
    std::fs::write(dir.join(format!("pkg/ioc-map.{hash}.js")), &script).expect("write");
    std::fs::write(dir.join(format!("pkg/ioc-map.{hash}.wasm")), b"\0asm").expect("write");
    std::fs::write(dir.join(format!("pkg/ioc-map.{hash}.css")), b"body{}").expect("write");
    std::fs::write(
        dir.join("hash.txt"),
        format!("js: {hash}\nwasm: {hash}\ncss: {hash}\n"),
    )
    .expect("write");
    std::fs::create_dir_all(dir.join("maplibre")).expect("dir");
    std::fs::write(dir.join("maplibre/maplibre-gl.js"), &script).expect("write");
    let mut c = config(database_url());
    c.site_root = root.clone();
    let app = app_with(pool().await, c);

    let (status, h, body) = fetch(&app, &format!("/pkg/ioc-map.{hash}.js"), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body, script);
    assert_eq!(
        h[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    // a name without a hash is asked for again each time
    let (_, h, _) = fetch(&app, "/pkg/app.js", &[]).await;
    assert_eq!(h[header::CACHE_CONTROL], "no-cache");

    // the page names the hashed files and MapLibre with its fingerprint
    let (status, _, page) = fetch(&app, "/", &[]).await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).expect("utf-8");
    for name in [
        format!("/pkg/ioc-map.{hash}.js"),
        format!("/pkg/ioc-map.{hash}.wasm"),
        format!("/pkg/ioc-map.{hash}.css"),
    ] {
        assert!(page.contains(&name), "the page names {name}");
    }
    let maplibre = page
        .split('"')
        .find(|s| s.starts_with("/maplibre/maplibre-gl.js?v="))
        .expect("the page names MapLibre with a fingerprint")
        .to_string();
    let (status, h, body) = fetch(&app, &maplibre, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body, script);
    assert_eq!(
        h[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    // an old fingerprint gets today's file, but not for keeps
    let (status, h, _) = fetch(&app, "/maplibre/maplibre-gl.js?v=0123456789abcdef", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(h[header::CACHE_CONTROL], "no-cache");
    std::fs::remove_dir_all(dir).expect("clean up");
}
