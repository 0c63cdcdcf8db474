//! Search by name ignoring diacritics and case, public places only.

use crate::common::{app, get};
use crate::ogc::assert_error;

fn names(doc: &serde_json::Value) -> Vec<String> {
    doc["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            f["properties"]["name_vi"]
                .as_str()
                .expect("name")
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn names_are_found_without_diacritics() {
    let app = app().await;
    let a = get(&app, "/api/search?q=nha%20tho%20duc%20ba&lang=vi").await;
    assert_eq!(a.status, 200);
    let doc = a.json();
    assert_eq!(
        names(&doc).first().map(String::as_str),
        Some("Nhà thờ Đức Bà Sài Gòn"),
        "{doc}"
    );
    let first = &doc["features"][0];
    assert_eq!(
        first["properties"]["name_en"],
        "Saigon Notre-Dame Cathedral Basilica"
    );
    assert_eq!(first["geometry"]["type"], "Point");

    let ben_thanh = get(&app, "/api/search?q=BEN%20THANH&lang=en").await.json();
    assert_eq!(
        names(&ben_thanh).first().map(String::as_str),
        Some("Chợ Bến Thành"),
        "{ben_thanh}"
    );
    let english = get(&app, "/api/search?q=opera").await.json();
    assert_eq!(
        names(&english).first().map(String::as_str),
        Some("Nhà hát Thành phố")
    );
}

#[tokio::test]
async fn search_returns_public_places_only() {
    let app = app().await;
    // camera names contain street names; none may come back
    let doc = get(&app, "/api/search?q=camera%20le%20duan&limit=50")
        .await
        .json();
    for f in doc["features"].as_array().expect("features") {
        let cat = f["properties"]["category"].as_str().expect("category");
        assert!(
            ["tourism", "school", "clinic", "hospital"].contains(&cat),
            "{f}"
        );
    }
}

#[tokio::test]
async fn bad_search_requests_name_the_field() {
    let app = app().await;
    for (uri, field) in [
        ("/api/search", "q"),
        ("/api/search?q=%20%20", "q"),
        ("/api/search?q=a&lang=fr", "lang"),
        ("/api/search?q=a&limit=0", "limit"),
    ] {
        let a = get(&app, uri).await;
        assert_eq!(a.status, 400, "{uri}");
        assert_error(&a.json(), "invalid_parameter", Some(field));
    }
    let long = format!("/api/search?q={}", "a".repeat(101));
    assert_eq!(get(&app, &long).await.status, 400);
}
