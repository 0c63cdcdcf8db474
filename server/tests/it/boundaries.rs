//! Boundaries with dates (issue #13): the ten wards of 2020 until 30 June 2025, the four from 1 July.
//! Each date's wards tile the district; known places fall in the right ward on both dates; the
//! planner, the OGC `wards` collection and every feature's ward follow the date asked.

use serde_json::json;

use crate::common::{app, get, pool, request_as, Who};
use crate::ogc::assert_error;
use crate::planner::query;

/// (name, lat, lon, its 2020 ward, its ward since 1 July 2025)
const PLACES: &[(&str, f64, f64, &str, &str)] = &[
    (
        "Jade Emperor pagoda (was Đa Kao)",
        10.79206,
        106.69794,
        "26737",
        "26734",
    ),
    (
        "Nhà thờ Đức Bà (Bến Nghé → Sài Gòn)",
        10.77979,
        106.69899,
        "26740",
        "26740",
    ),
    (
        "Thảo Cầm Viên (Bến Nghé → Sài Gòn)",
        10.78806,
        106.70472,
        "26740",
        "26740",
    ),
    ("Bến Thành market", 10.77252, 106.69802, "26743", "26743"),
    (
        "Bùi Viện (Phạm Ngũ Lão → Bến Thành)",
        10.76730,
        106.69350,
        "26749",
        "26743",
    ),
    (
        "Cầu Kho (→ Cầu Ông Lãnh)",
        10.75770,
        106.68890,
        "26761",
        "26758",
    ),
    (
        "Nguyễn Cư Trinh (→ Cầu Ông Lãnh)",
        10.76319,
        106.68628,
        "26758",
        "26758",
    ),
];

#[tokio::test]
async fn each_dates_wards_tile_the_district() {
    let pool = pool().await;
    for (day, wards) in [
        ("2024-06-01", 10),
        ("2025-06-30", 10),
        ("2025-07-01", 4),
        ("2026-12-03", 4),
    ] {
        let (n, gap_or_excess, overlap): (i64, f64, f64) = sqlx::query_as(
            "WITH w AS (SELECT code, geom FROM admin_areas
                         WHERE level = 'ward' AND valid_from <= $1::date
                           AND (valid_to IS NULL OR $1::date < valid_to))
             SELECT (SELECT count(*) FROM w),
                    ST_Area(ST_SymDifference((SELECT ST_Union(geom) FROM w), d.geom)::geography),
                    (SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0)
                       FROM w a JOIN w b ON a.code < b.code WHERE ST_Intersects(a.geom, b.geom))
               FROM admin_areas d WHERE d.level = 'district' AND d.code = '760'",
        )
        .bind(day)
        .fetch_one(&pool)
        .await
        .expect("tiling query");
        assert_eq!(n, wards, "wards valid on {day}");
        assert!(
            gap_or_excess < 1.0,
            "{day}: the wards leave {gap_or_excess} m² of gaps or spill-over"
        );
        assert!(overlap < 1.0, "{day}: the wards overlap by {overlap} m²");
    }
}

#[tokio::test]
async fn the_2025_wards_are_within_15_percent_of_their_published_areas() {
    let pool = pool().await;
    for (code, name, published) in [
        ("26734", "Phường Tân Định", 1.6),
        ("26740", "Phường Sài Gòn", 2.6),
        ("26743", "Phường Bến Thành", 1.8),
        ("26758", "Phường Cầu Ông Lãnh", 1.6),
    ] {
        let (got_name, km2): (String, f64) = sqlx::query_as(
            "SELECT name_vi, area_km2 FROM admin_areas
              WHERE level = 'ward' AND code = $1 AND valid_from = DATE '2025-07-01'",
        )
        .bind(code)
        .fetch_one(&pool)
        .await
        .unwrap_or_else(|e| panic!("ward {code}: {e}"));
        assert_eq!(got_name, name);
        let error = km2 / published - 1.0;
        println!(
            "{name}: {km2:.3} km² (published ≈{published}: {:+.1} %)",
            error * 100.0
        );
        assert!(error.abs() < 0.15, "{name}: {km2:.3} km² vs {published}");
    }
}

#[tokio::test]
async fn known_places_fall_in_the_right_ward_on_both_dates() {
    let pool = pool().await;
    for &(name, lat, lon, in_2024, in_2026) in PLACES {
        for (day, want) in [("2024-06-01", in_2024), ("2026-12-03", in_2026)] {
            let got: Option<String> = sqlx::query_scalar(
                "SELECT ward_code_at(ST_SetSRID(ST_MakePoint($1, $2), 4326), $3::date)",
            )
            .bind(lon)
            .bind(lat)
            .bind(day)
            .fetch_one(&pool)
            .await
            .expect("ward lookup");
            assert_eq!(got.as_deref(), Some(want), "{name} on {day}");
        }
    }
    // outside the district there is no ward on any date
    let none: Option<String> = sqlx::query_scalar(
        "SELECT ward_code_at(ST_SetSRID(ST_MakePoint(106.72, 10.80), 4326), DATE '2024-06-01')",
    )
    .fetch_one(&pool)
    .await
    .expect("ward lookup");
    assert_eq!(none, None);
}

#[tokio::test]
async fn a_reported_incident_is_in_todays_ward() {
    let app = app().await;
    // at the Jade Emperor pagoda: Đa Kao until June 2025, Tân Định now
    let answer = request_as(
        &app,
        Who::Operator,
        "POST",
        "/api/incidents",
        Some(
            &json!({"kind": "crowd", "severity": 1, "description": "boundaries test",
                     "geometry": {"type": "Point", "coordinates": [106.69794, 10.79206]}}),
        ),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.json()["properties"]["ward_code"], "26734");
}

#[tokio::test]
async fn the_wards_collection_takes_a_date_and_defaults_to_today() {
    let app = app().await;
    let codes = |doc: &serde_json::Value| -> Vec<String> {
        doc["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f["properties"]["code"].as_str().expect("code").to_string())
            .collect()
    };
    let today = get(&app, "/ogc/collections/wards/items").await.json();
    assert_eq!(codes(&today), ["26734", "26740", "26743", "26758"]);
    assert_eq!(today["numberMatched"], 4);
    assert_eq!(
        today["features"][1]["properties"]["name_vi"],
        "Phường Sài Gòn"
    );
    assert_eq!(today["features"][1]["id"], "26740@2025-07-01");
    let in_2024 = get(
        &app,
        "/ogc/collections/wards/items?datetime=2024-06-01T12:00:00%2B07:00",
    )
    .await
    .json();
    assert_eq!(in_2024["numberMatched"], 10);
    assert!(codes(&in_2024).contains(&"26737".to_string()), "Đa Kao");
    // an interval across the merger meets both sets
    let across = get(
        &app,
        "/ogc/collections/wards/items?datetime=2025-06-01T00:00:00Z/2025-08-01T00:00:00Z",
    )
    .await
    .json();
    assert_eq!(across["numberMatched"], 14);
    // the last hour of 30 June, district time, is still the ten wards
    let last_hour = get(
        &app,
        "/ogc/collections/wards/items?datetime=2025-06-30T23:30:00%2B07:00",
    )
    .await
    .json();
    assert_eq!(last_hour["numberMatched"], 10);
    // one ward of each period by its id
    let ben_nghe = get(&app, "/ogc/collections/wards/items/26740@2020-01-01").await;
    assert_eq!(ben_nghe.status, 200);
    assert_eq!(ben_nghe.json()["properties"]["valid_to"], "2025-07-01");
}

/// Incidents at the Jade Emperor pagoda and in old Tân Định, in a week of 2024 and a week of 2026
/// that no other test uses.
async fn incidents_in_2024_and_2026() {
    let pool = pool().await;
    sqlx::query(
        "INSERT INTO incidents (id, kind, severity, status, description, reported_at, geom) VALUES
          ('inc-b-1', 'crowd', 1, 'new', 'pagoda 2024', '2024-05-07T09:00:00+07:00', ST_SetSRID(ST_MakePoint(106.69794, 10.79206), 4326)),
          ('inc-b-2', 'crowd', 1, 'new', 'Tân Định 2024', '2024-05-07T10:00:00+07:00', ST_SetSRID(ST_MakePoint(106.6906, 10.7926), 4326)),
          ('inc-b-3', 'crowd', 1, 'new', 'pagoda 2026', '2026-05-05T09:00:00+07:00', ST_SetSRID(ST_MakePoint(106.69794, 10.79206), 4326)),
          ('inc-b-4', 'crowd', 1, 'new', 'Tân Định 2026', '2026-05-05T10:00:00+07:00', ST_SetSRID(ST_MakePoint(106.6906, 10.7926), 4326))
         ON CONFLICT (id) DO NOTHING",
    )
    .execute(&pool)
    .await
    .expect("insert incidents");
}

#[tokio::test]
async fn counts_for_2024_and_2026_use_the_wards_of_their_time() {
    incidents_in_2024_and_2026().await;
    let week_2024 = json!({"from": "2024-05-06T00:00:00+07:00", "to": "2024-05-13T00:00:00+07:00",
                           "layers": ["incidents"]});
    let week_2026 = json!({"from": "2026-05-04T00:00:00+07:00", "to": "2026-05-11T00:00:00+07:00",
                           "layers": ["incidents"]});
    let with = |week: &serde_json::Value, ward: &str| {
        let mut b = week.clone();
        b["ward"] = json!(ward);
        b
    };
    // 2024: Tân Định is the small 2020 ward; the pagoda is in Đa Kao
    let a = query(with(&week_2024, "26734")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let doc = a.json();
    assert_eq!(doc["area"]["boundaries_on"], "2024-05-13");
    assert_eq!(doc["counts"]["incidents"], 1);
    let km2 = doc["area"]["area_km2"].as_f64().expect("area");
    assert!((0.55..0.75).contains(&km2), "2020 Tân Định is {km2} km²");
    let da_kao = query(with(&week_2024, "26737")).await.json();
    assert_eq!(da_kao["counts"]["incidents"], 1);
    assert_eq!(
        da_kao["features"]["features"][0]["properties"]["ward_code"], "26737",
        "a feature's ward is that of the date asked"
    );
    // 2026: Tân Định holds both; Đa Kao is no more, and the refusal says when it was
    let doc = query(with(&week_2026, "26734")).await.json();
    assert_eq!(doc["counts"]["incidents"], 2);
    let km2 = doc["area"]["area_km2"].as_f64().expect("area");
    assert!((1.36..1.84).contains(&km2), "2025 Tân Định is {km2} km²");
    let gone = query(with(&week_2026, "26737")).await;
    assert_eq!(gone.status, 400);
    assert_error(&gone.json(), "invalid_parameter", Some("ward"));
    assert!(
        gone.text.contains("2020-01-01 to 2025-07-01"),
        "{}",
        gone.text
    );
    // `on` asks for another day's boundaries over the same range
    let mut old = with(&week_2026, "26734");
    old["on"] = json!("2025-06-30");
    let doc = query(old).await.json();
    assert_eq!(doc["counts"]["incidents"], 1, "2020 Tân Định in 2026");
    let mut bad = with(&week_2026, "26734");
    bad["on"] = json!("30/06/2025");
    let bad = query(bad).await;
    assert_eq!(bad.status, 400);
    assert_error(&bad.json(), "invalid_parameter", Some("on"));
}

#[tokio::test]
async fn the_ward_teams_follow_the_wards() {
    let app = app().await;
    let units = crate::common::get_as(&app, Who::Operator, "/api/units").await;
    assert_eq!(units.status, 200, "{}", units.text);
    let doc = units.json();
    let police: Vec<&str> = doc["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter(|u| u["kind"] == "police")
        .filter_map(|u| u["name_vi"].as_str())
        .collect();
    assert_eq!(
        police,
        [
            "Công an phường Tân Định",
            "Công an phường Sài Gòn",
            "Công an phường Bến Thành",
            "Công an phường Cầu Ông Lãnh"
        ]
    );
}
