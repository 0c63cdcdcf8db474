//! Area queries against known data: a ward's figures, a polygon around Bến Thành market, incidents by
//! kind and time, coverage, exports, and every kind of bad input (which writes nothing).

use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};

use crate::common::{app, pool, request_as, send, sign_in, Who};
use crate::ogc::assert_error;

/// A small square (~110 m) around Bến Thành market (10.77252, 106.69802).
fn ben_thanh_square() -> Value {
    json!({"type": "Polygon", "coordinates": [[[106.6975, 10.7720], [106.6985, 10.7720], [106.6985, 10.7730],
                                              [106.6975, 10.7730], [106.6975, 10.7720]]]})
}

/// `POST /api/area-query` as a planner.
pub async fn query(body: Value) -> crate::common::Answer {
    request_as(
        &app().await,
        Who::Planner,
        "POST",
        "/api/area-query",
        Some(&body),
    )
    .await
}

#[tokio::test]
async fn a_wards_figures() {
    // the 2020 ward (the seed's figures are per 2020 ward)
    let a = query(json!({"ward": "26743", "on": "2024-06-01", "limit": 1000})).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let doc = a.json();
    assert_eq!(doc["area"]["name_vi"], "Phường Bến Thành");
    // Bến Thành ward in the seed: 115 fixed cameras and its patrol vehicle's (parked: the tests do
    // not run the simulator), 13 recorders
    assert_eq!(doc["counts"]["cameras"], 116);
    assert_eq!(doc["counts"]["recorders"], 13);
    assert_eq!(doc["counts"]["schools"], 2);
    assert_eq!(doc["counts"]["clinics"], 2);
    assert_eq!(doc["counts"]["tourism"], 3);
    let features = doc["features"]["features"].as_array().expect("features");
    assert_eq!(doc["features"]["numberMatched"], features.len() as i64);
    assert!(features
        .iter()
        .all(|f| f["properties"].get("stream_url").is_none()));
    assert!(!a.text.contains("rtsp"), "planners never see stream URLs");
}

#[tokio::test]
async fn a_polygon_around_ben_thanh_market_finds_it() {
    let doc = query(json!({"geometry": ben_thanh_square(), "layers": ["tourism"]}))
        .await
        .json();
    let names: Vec<&str> = doc["features"]["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["properties"]["name_vi"].as_str())
        .collect();
    assert_eq!(names, ["Chợ Bến Thành"]);
    let km2 = doc["area"]["area_km2"].as_f64().expect("area");
    assert!((0.010..0.014).contains(&km2), "{km2} km²");
}

#[tokio::test]
async fn incidents_by_kind_status_and_time_and_coverage() {
    let pool = pool().await;
    // three incidents of this test in Cầu Kho ward (the only ones there), one outside the time range
    sqlx::query(
        "INSERT INTO incidents (id, kind, severity, status, description, reported_at, geom) VALUES
          ('inc-t-1', 'flooding', 2, 'new', 'Ngập nước', '2026-03-02T08:00:00+07:00', ST_SetSRID(ST_MakePoint(106.6889, 10.7577), 4326)),
          ('inc-t-2', 'flooding', 3, 'resolved', 'Ngập nước', '2026-03-02T21:00:00+07:00', ST_SetSRID(ST_MakePoint(106.6890, 10.7578), 4326)),
          ('inc-t-3', 'fire', 4, 'new', 'Cháy', '2026-03-04T10:00:00+07:00', ST_SetSRID(ST_MakePoint(106.6891, 10.7576), 4326)),
          ('inc-t-4', 'fire', 4, 'new', 'Cháy', '2025-01-01T10:00:00+07:00', ST_SetSRID(ST_MakePoint(106.6891, 10.7576), 4326))
         ON CONFLICT (id) DO NOTHING",
    )
    .execute(&pool)
    .await
    .expect("insert incidents");
    // Cầu Kho is a 2020 ward: asked with the boundaries of a day it existed
    let doc = query(json!({"ward": "26761", "on": "2025-06-30", "from": "2026-03-01T00:00:00+07:00",
                           "to": "2026-03-08T00:00:00+07:00", "histogram": "day", "coverage_distance_m": 30}))
    .await
    .json();
    assert_eq!(doc["counts"]["incidents"], 3);
    assert_eq!(
        doc["incidents"]["by_kind"],
        json!([{"kind": "flooding", "count": 2}, {"kind": "fire", "count": 1}])
    );
    assert_eq!(
        doc["incidents"]["by_status"],
        json!([{"status": "new", "count": 2}, {"status": "resolved", "count": 1}])
    );
    let bins = doc["incidents"]["histogram"]["bins"]
        .as_array()
        .expect("bins");
    assert_eq!(bins.len(), 8, "1 to 8 March, Ho Chi Minh City days");
    assert_eq!(
        bins[1],
        json!({"start": "2026-03-02T00:00:00+07:00", "count": 2})
    );
    assert_eq!(bins[3]["count"], 1);
    // coverage: every uncovered school or clinic really has no camera within 30 m
    let cov = &doc["coverage"];
    assert!(
        cov["places"].as_i64().expect("places")
            >= cov["uncovered"].as_array().expect("list").len() as i64
    );
    for u in cov["uncovered"].as_array().expect("list") {
        assert!(
            u["nearest_camera_m"].as_f64().expect("distance") > 30.0,
            "{u}"
        );
    }
    let wide = query(json!({"ward": "26761", "on": "2025-06-30", "coverage_distance_m": 5000}))
        .await
        .json();
    assert_eq!(
        wide["coverage"]["uncovered"],
        json!([]),
        "every place has a camera within 5 km"
    );
}

#[tokio::test]
async fn exports_parse_as_geojson_and_csv() {
    let app = app().await;
    let cookie = sign_in(&app, Who::Planner).await.expect("cookie");
    let export = |format: &'static str| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let req = Request::post(format!("/api/area-query/export?format={format}"))
                .header("host", "test.local")
                .header("content-type", "application/json")
                .header("cookie", cookie)
                .body(Body::from(
                    json!({"ward": "26743", "on": "2024-06-01"}).to_string(),
                ))
                .expect("request");
            send(&app, req).await
        }
    };
    let gj = export("geojson").await;
    assert_eq!(gj.status, 200);
    assert!(gj.headers["content-disposition"]
        .to_str()
        .expect("header")
        .contains(".geojson"));
    let doc = gj.json();
    let n = doc["features"].as_array().expect("features").len();
    assert_eq!(
        n,
        116 + 13
            + 2
            + 2
            + 3
            + doc["features"]
                .as_array()
                .expect("f")
                .iter()
                .filter(|f| f["properties"]["layer"] == "incidents")
                .count()
    );
    let csv = export("csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.headers["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "layer,id,name_vi,name_en,kind,lon,lat,wkt");
    assert_eq!(lines.len() - 1, n);
    let market = lines
        .iter()
        .find(|l| l.contains("Chợ Bến Thành"))
        .expect("the market is exported");
    let cols: Vec<&str> = market.split(',').collect();
    let (lon, lat): (f64, f64) = (cols[5].parse().expect("lon"), cols[6].parse().expect("lat"));
    assert!(
        (lon - 106.69802).abs() < 1e-5 && (lat - 10.77252).abs() < 1e-5,
        "{market}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_and_writes_nothing() {
    let app = app().await;
    let bowtie = json!({"type": "Polygon", "coordinates": [[[106.69, 10.77], [106.70, 10.78], [106.70, 10.77], [106.69, 10.78], [106.69, 10.77]]]});
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (
            json!({"geometry": bowtie}),
            400,
            "invalid_parameter",
            Some("geometry"),
        ),
        (
            json!({"geometry": {"type": "LineString", "coordinates": [[106.69, 10.77], [106.7, 10.78]]}}),
            400,
            "invalid_parameter",
            Some("geometry.type"),
        ),
        (
            json!({"geometry": {"type": "Polygon", "coordinates": [[[106.69, 10.77], [106.70, 10.77], [106.70, 10.78], [106.69, 10.78]]]}}),
            400,
            "invalid_parameter",
            Some("geometry.coordinates"),
        ),
        (
            json!({"geometry": {"type": "Polygon", "coordinates": [[[106.69, 95.0], [106.70, 10.77], [106.70, 10.78], [106.69, 95.0]]]}}),
            400,
            "invalid_parameter",
            Some("geometry.coordinates"),
        ),
        (json!({"ward": 26743}), 400, "invalid_body", Some("ward")),
        (
            json!({"ward": "26743", "limit": "ten"}),
            400,
            "invalid_body",
            Some("limit"),
        ),
        (
            json!({"ward": "99999"}),
            400,
            "invalid_parameter",
            Some("ward"),
        ),
        (
            json!({"ward": "26743", "colour": "red"}),
            400,
            "invalid_body",
            Some("colour"),
        ),
    ];
    for (body, status, code, field) in cases {
        let a = request_as(&app, Who::Planner, "POST", "/api/area-query", Some(&body)).await;
        assert_eq!(a.status.as_u16(), status, "{body}: {}", a.text);
        assert_error(&a.json(), code, field);
    }
    let mut big: Vec<[f64; 2]> = (0..10_001)
        .map(|i| {
            [
                106.69 + f64::from(i) * 1e-7,
                10.77 + f64::from(i % 2) * 1e-7,
            ]
        })
        .collect();
    big.push(big[0]);
    let a = request_as(
        &app,
        Who::Planner,
        "POST",
        "/api/area-query",
        Some(&json!({"geometry": {"type": "Polygon", "coordinates": [big]}})),
    )
    .await;
    assert_eq!(a.status, 400);
    assert!(a.json()["message"]
        .as_str()
        .expect("message")
        .contains("10000"));

    // malformed JSON, a wrong content type and an oversized body, on each JSON endpoint of the issue
    let cookie = sign_in(&app, Who::Admin).await.expect("cookie");
    for path in [
        "/api/area-query",
        "/api/area-query/export",
        "/api/session",
        "/api/tokens",
        "/api/users",
        "/api/account/password",
    ] {
        let raw = |body: Vec<u8>, ctype: &'static str| {
            Request::post(path)
                .header("host", "test.local")
                .header("content-type", ctype)
                .header("cookie", cookie.as_str())
                .body(Body::from(body))
                .expect("request")
        };
        let a = send(&app, raw(b"{\"ward\": ".to_vec(), "application/json")).await;
        assert_eq!(a.status, 400, "{path} malformed: {}", a.text);
        assert_error(&a.json(), "malformed_json", None);
        let a = send(
            &app,
            raw(b"ward=26743".to_vec(), "application/x-www-form-urlencoded"),
        )
        .await;
        assert_eq!(a.status, 415, "{path} wrong type");
        let mut huge = b"{\"name\": \"".to_vec();
        huge.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
        huge.extend(b"\"}");
        let a = send(&app, raw(huge, "application/json")).await;
        assert_eq!(a.status, 413, "{path} oversized");
        assert_eq!(a.json()["error"], "body_too_large");
    }
    // the oversized bodies named a token or user "aaa…"; none was written
    let written: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM api_tokens WHERE name LIKE 'aaa%') + (SELECT count(*) FROM users WHERE username LIKE 'aaa%')",
    )
    .fetch_one(&pool().await)
    .await
    .expect("count");
    assert_eq!(written, 0);
}
