//! OGC API – Features over HTTP (the router, no socket): documents, paging, bbox, errors.

use serde_json::Value;

use crate::common::{app, get, get_as, Who};

fn link<'a>(doc: &'a Value, rel: &str) -> Option<&'a str> {
    doc["links"].as_array()?.iter().find(|l| l["rel"] == rel)?["href"].as_str()
}

pub fn assert_error(doc: &Value, code: &str, field: Option<&str>) {
    assert_eq!(doc["error"], code, "{doc}");
    assert!(
        doc["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{doc}"
    );
    assert_eq!(doc["field"].as_str(), field, "{doc}");
}

#[tokio::test]
async fn landing_conformance_and_collections() {
    let app = app().await;
    let landing = get(&app, "/ogc").await;
    assert_eq!(landing.status, 200);
    let doc = landing.json();
    assert_eq!(
        link(&doc, "conformance"),
        Some("http://test.local/ogc/conformance")
    );
    assert_eq!(
        link(&doc, "data"),
        Some("http://test.local/ogc/collections")
    );

    let conf = get(&app, "/ogc/conformance").await.json();
    let classes: Vec<&str> = conf["conformsTo"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"));

    let public = get(&app, "/ogc/collections").await.json();
    let public_ids: Vec<&str> = public["collections"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(
        !public_ids.contains(&"cameras") && !public_ids.contains(&"recorders"),
        "{public_ids:?}"
    );
    assert!(public_ids.contains(&"tourism"), "{public_ids:?}");
    let cols = get_as(&app, Who::Operator, "/ogc/collections").await.json();
    let ids: Vec<&str> = cols["collections"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    for id in [
        "wards",
        "streets",
        "cameras",
        "recorders",
        "schools",
        "clinics",
        "tourism",
    ] {
        assert!(ids.contains(&id), "collection {id} missing from {ids:?}");
    }
    let cameras = get_as(&app, Who::Operator, "/ogc/collections/cameras")
        .await
        .json();
    let bbox = &cameras["extent"]["spatial"]["bbox"][0];
    let lon = bbox[0].as_f64().expect("min lon");
    let lat = bbox[3].as_f64().expect("max lat");
    assert!(
        (106.68..106.72).contains(&lon) && (10.75..10.80).contains(&lat),
        "{bbox}"
    );
    assert_eq!(
        link(&cameras, "items"),
        Some("http://test.local/ogc/collections/cameras/items")
    );
}

#[tokio::test]
async fn items_are_paged_with_counts_and_next_links() {
    let app = app().await;
    let first = get_as(&app, Who::Operator, "/ogc/collections/cameras/items").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.headers["content-type"], "application/geo+json");
    let doc = first.json();
    assert_eq!(doc["type"], "FeatureCollection");
    assert_eq!(doc["numberMatched"], 1132);
    assert_eq!(doc["numberReturned"], 100);
    assert_eq!(doc["features"].as_array().expect("features").len(), 100);
    assert_eq!(doc["features"][0]["id"], "cam-0001");
    let next = link(&doc, "next").expect("a next link");
    assert!(
        next.starts_with("http://test.local/ogc/collections/cameras/items?"),
        "{next}"
    );
    assert!(next.contains("offset=100"), "{next}");

    let last = get_as(
        &app,
        Who::Operator,
        "/ogc/collections/cameras/items?limit=100&offset=1100",
    )
    .await
    .json();
    assert_eq!(last["numberReturned"], 32);
    assert!(link(&last, "next").is_none());

    // more than the maximum is clamped, not refused
    let all = get_as(
        &app,
        Who::Operator,
        "/ogc/collections/cameras/items?limit=50000",
    )
    .await
    .json();
    assert_eq!(all["numberReturned"], 1132);
    let features = all["features"].as_array().expect("features");
    assert_eq!(features.len(), 1132);
    // the stream URL (which may carry credentials) is never in a feature
    assert!(!all.to_string().contains("rtsp"), "stream URLs leaked");
    assert!(features
        .iter()
        .all(|f| f["properties"].get("stream_url").is_none()));
}

#[tokio::test]
async fn bbox_selects_what_lies_inside() {
    let app = app().await;
    // ~100 m around Nhà thờ Đức Bà
    let near = get_as(
        &app,
        Who::Operator,
        "/ogc/collections/cameras/items?bbox=106.6985,10.7793,106.6995,10.7803&limit=1000",
    )
    .await;
    assert_eq!(near.status, 200);
    let doc = near.json();
    let n = doc["numberMatched"].as_i64().expect("count");
    assert!((1..100).contains(&n), "{n} cameras near the cathedral");
    let names: Vec<&str> = doc["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["properties"]["name_en"].as_str())
        .collect();
    assert!(
        names.contains(&"Long-range camera, Notre-Dame Cathedral"),
        "{names:?}"
    );
    let next = link(&doc, "next");
    assert!(next.is_none());

    let wards = get(
        &app,
        "/ogc/collections/wards/items?bbox=106.6975,10.7720,106.6985,10.7730",
    )
    .await
    .json();
    let codes: Vec<&str> = wards["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["properties"]["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        ["26743"],
        "Bến Thành market's corner lies in Bến Thành ward only"
    );

    // a bbox keeps itself in the next link
    let page = get_as(
        &app,
        Who::Operator,
        "/ogc/collections/cameras/items?bbox=106.68,10.75,106.72,10.80&limit=10",
    )
    .await
    .json();
    assert!(link(&page, "next")
        .expect("next")
        .contains("bbox=106.68,10.75,106.72,10.8"));
}

#[tokio::test]
async fn single_items_by_stable_id() {
    let app = app().await;
    // a ward's id is its code and first day: the 2020 ward Bến Nghé, whose code Sài Gòn took
    let ward = get(&app, "/ogc/collections/wards/items/26740@2020-01-01").await;
    assert_eq!(ward.status, 200);
    let doc = ward.json();
    assert_eq!(doc["properties"]["name_vi"], "Phường Bến Nghé");
    assert_eq!(doc["properties"]["population"], 10633);
    assert!(["Polygon", "MultiPolygon"].contains(&doc["geometry"]["type"].as_str().expect("type")));
    let cam = get_as(
        &app,
        Who::Operator,
        "/ogc/collections/cameras/items/cam-0001",
    )
    .await
    .json();
    assert_eq!(cam["geometry"]["type"], "Point");
    assert_eq!(cam["properties"]["kind"], "long_range");
    let school = get(&app, "/ogc/collections/schools/items/sch-001")
        .await
        .json();
    assert_eq!(school["properties"]["category"], "school");
    // a clinic id is not an item of schools
    assert_eq!(
        get(&app, "/ogc/collections/schools/items/cli-001")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn bad_requests_get_one_error_shape() {
    let app = app().await;
    for (uri, field) in [
        ("/ogc/collections/cameras/items?bbox=1,2,3", "bbox"),
        ("/ogc/collections/cameras/items?bbox=a,b,c,d", "bbox"),
        (
            "/ogc/collections/cameras/items?bbox=106.7,10.8,106.6,10.7",
            "bbox",
        ),
        ("/ogc/collections/cameras/items?limit=-5", "limit"),
        ("/ogc/collections/cameras/items?limit=lots", "limit"),
        ("/ogc/collections/cameras/items?offset=-1", "offset"),
        ("/ogc/collections/cameras/items?f=html", "f"),
    ] {
        let a = get_as(&app, Who::Operator, uri).await;
        assert_eq!(a.status, 400, "{uri}");
        assert_error(&a.json(), "invalid_parameter", Some(field));
    }
    for uri in [
        "/ogc/collections/nope",
        "/ogc/collections/nope/items",
        "/ogc/collections/cameras/items/cam-9999",
        "/ogc/collections/wards/items/99999",
        "/ogc/what",
        "/api/nothing-here",
    ] {
        let a = get_as(&app, Who::Operator, uri).await;
        assert_eq!(a.status, 404, "{uri}");
        assert_error(&a.json(), "not_found", None);
    }
}
