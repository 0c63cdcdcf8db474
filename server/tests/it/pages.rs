//! Server-rendered pages: what arrives before any script runs.

use crate::common::{app, get, get_as, Who};

#[tokio::test]
async fn ops_page_renders_its_panels_and_loading_state() {
    let a = get_as(&app().await, Who::Operator, "/ops").await;
    assert_eq!(a.status, 200);
    let html = a.text;
    assert!(html.contains("id=\"map\""), "map container");
    assert!(
        html.contains("data-state=\"loading\""),
        "loading state before the map is up"
    );
    assert!(html.contains("Đang tải bản đồ"), "visible loading message");
    assert!(
        html.contains("<title>Bản đồ điều hành · IOC Quận 1</title>"),
        "the tab names the page"
    );
    assert!(
        html.contains(r#"<link rel="icon" href="/favicon.svg""#),
        "a favicon"
    );
    for layer in [
        "cameras",
        "schools",
        "clinics",
        "tourism",
        "wards",
        "streets",
        "recorders",
    ] {
        assert!(
            html.contains(&format!("data-layer=\"{layer}\"")),
            "layer switch {layer}"
        );
    }
    assert!(
        html.contains("/maplibre/maplibre-gl.js"),
        "MapLibre served by the app"
    );
    assert!(!html.contains("unpkg") && !html.contains("cdn"), "no CDN");
    assert!(!html.contains("rtsp"), "no stream URL in pages");
}

#[tokio::test]
async fn home_page_is_the_public_map() {
    let a = get(&app().await, "/").await;
    assert_eq!(a.status, 200);
    assert!(a.text.contains("id=\"map\""), "the public map");
    assert!(a.text.contains("name=\"q\""), "the search box");
}

#[tokio::test]
async fn each_ward_gets_one_label_point_inside_it() {
    let a = get(&app().await, "/api/map/ward-labels").await;
    assert_eq!(a.status, 200);
    let doc = a.json();
    let features = doc["features"].as_array().expect("features");
    assert_eq!(features.len(), 4, "the wards of today");
    let ben_nghe = features
        .iter()
        .find(|f| f["id"] == "26740")
        .expect("Sài Gòn");
    assert_eq!(ben_nghe["properties"]["name_vi"], "Phường Sài Gòn");
    let [lon, lat] = [0, 1].map(|i| {
        ben_nghe["geometry"]["coordinates"][i]
            .as_f64()
            .expect("coordinate")
    });
    assert!(
        (106.69..106.72).contains(&lon) && (10.77..10.79).contains(&lat),
        "{lon},{lat}"
    );
}
