//! Snapshots of answers whose whole shape matters to their clients (GIS tools, the planner page,
//! scripts reading errors): the OGC landing page and collection list, an area query, and the error
//! bodies. A change to one of them shows as a diff of the `.snap` file under `snapshots/`: review it,
//! and accept it with `INSTA_UPDATE=always cargo test -p server --test it snapshots` if it is meant.

use serde_json::{json, Value};

use crate::common::{app, as_, Who};

#[tokio::test]
async fn ogc_landing_and_collections() {
    let app = app().await;
    let anyone = as_(&app, Who::Anonymous).await;
    insta::assert_json_snapshot!("ogc_landing", anyone.get("/ogc").await.json());
    let planner = as_(&app, Who::Planner).await;
    let mut collections = planner.get("/ogc/collections").await.json();
    // the built-in collections only: other tests import layers of their own
    if let Some(list) = collections["collections"].as_array_mut() {
        list.retain(|c| {
            server::ogc::collections::find(c["id"].as_str().unwrap_or_default()).is_some()
        });
    }
    // the incidents' extent grows with the incidents other tests report
    insta::assert_json_snapshot!("ogc_collections", collections, {
        ".collections[].extent" => "[extent]",
    });
}

#[tokio::test]
async fn an_area_query_for_a_ward() {
    let app = app().await;
    let planner = as_(&app, Who::Planner).await;
    let answer = planner
        .post_json(
            "/api/area-query",
            // a week long past: the incidents other tests report now stay out of it
            &json!({"ward": "26734", "layers": ["schools", "clinics", "tourism"], "limit": 3,
                    "from": "2026-01-01T00:00:00Z", "to": "2026-01-08T00:00:00Z"}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // other tests add, move and remove cameras
    insta::assert_json_snapshot!("area_query_ward", answer.json(), {
        ".counts.cameras" => "[varies]",
        ".coverage" => "[varies]",
    });
}

#[tokio::test]
async fn error_bodies() {
    let app = app().await;
    let operator = as_(&app, Who::Operator).await;
    let planner = as_(&app, Who::Planner).await;
    let anyone = as_(&app, Who::Anonymous).await;
    let point = json!({"type": "Point", "coordinates": [106.699, 10.7798]});
    let mut answers: Vec<Value> = Vec::new();
    let mut keep = |what: &str, a: crate::common::Answer| {
        answers.push(json!({"request": what, "status": a.status.as_u16(), "body": a.json()}));
    };
    keep(
        "report with an unknown kind",
        operator
            .post_json(
                "/api/incidents",
                &json!({"kind": "alien", "severity": 2, "geometry": point}),
            )
            .await,
    );
    keep("report outside District 1", operator.post_json("/api/incidents", &json!({"kind": "fire", "severity": 2, "geometry": {"type": "Point", "coordinates": [106.66, 10.77]}})).await);
    keep(
        "report with a string severity",
        operator
            .post_json(
                "/api/incidents",
                &json!({"kind": "fire", "severity": "high", "geometry": point}),
            )
            .await,
    );
    keep(
        "step of an unknown incident",
        operator
            .post_json(
                "/api/incidents/inc-nope/transitions",
                &json!({"to": "acknowledged"}),
            )
            .await,
    );
    keep(
        "step to nowhere",
        operator
            .post_json(
                "/api/incidents/inc-nope/transitions",
                &json!({"to": "teleported"}),
            )
            .await,
    );
    keep(
        "list with a bad bbox",
        operator.get("/api/incidents?bbox=1,2").await,
    );
    keep(
        "planner reports",
        planner
            .post_json(
                "/api/incidents",
                &json!({"kind": "fire", "severity": 2, "geometry": point}),
            )
            .await,
    );
    keep(
        "anonymous lists incidents",
        anyone.get("/api/incidents").await,
    );
    keep("unknown API path", anyone.get("/api/nothing-here").await);
    keep(
        "unknown OGC collection",
        anyone.get("/ogc/collections/nothing/items").await,
    );
    keep(
        "area query with no area",
        planner.post_json("/api/area-query", &json!({})).await,
    );
    insta::assert_json_snapshot!("error_bodies", answers);
}
