//! Benchmark (a program, not a test): area queries over 1,000,000 incidents spread over District 1 in
//! 3 years, through the same code as `POST /api/area-query`.
//!
//!     cargo bench -p server --bench area_query            # prints p50/p95 per kind of area
//!
//! It uses its own database, `ioc_map_bench` (BENCH_DATABASE_URL to change), created, migrated and
//! seeded on first use; the incidents are generated in SQL once and kept for later runs.
//! Targets on a 2-core machine: p95 <= 50 ms for a ward and a 500 m radius, <= 200 ms for a polygon.

use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::json;
use sqlx::PgPool;

use server::planner::rules::{AreaQuery, AreaQueryBody};
use server::planner::store;

const INCIDENTS: i64 = 1_000_000;
const RUNS: usize = 40;

const GENERATE: &str = "
INSERT INTO incidents (id, kind, severity, status, description, reported_at, updated_at, geom)
SELECT 'inc-b' || lpad(n::text, 7, '0'),
       (ARRAY['fire', 'smoke_alarm', 'traffic_accident', 'congestion', 'flooding', 'crowd', 'security',
              'illegal_construction', 'broken_street_light', 'medical_emergency', 'other'])[1 + floor(random() * 11)::int],
       1 + floor(random() * 4)::int,
       (ARRAY['new', 'acknowledged', 'dispatched', 'resolved', 'resolved', 'resolved', 'dismissed'])[1 + floor(random() * 7)::int],
       'benchmark incident',
       t, t, p.geom
  FROM (SELECT row_number() OVER () AS n, (d).geom
          FROM (SELECT ST_Dump(ST_GeneratePoints(geom, $1::int, 42)) AS d FROM admin_areas WHERE code = '760') x) p,
       -- p.n makes the subquery correlated, so each row draws its own time
       LATERAL (SELECT now() - (random() + 0 * p.n) * interval '3 years' AS t) tt
 -- in time order, as a live system appends them
 ORDER BY t";

async fn prepare() -> PgPool {
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/ioc_map_bench".into());
    // generating a million incidents is one long statement: no 20 s limit here
    let pool = server::db::prepare_with(
        &url,
        "rtsp://127.0.0.1:8554",
        std::time::Duration::from_secs(3600),
    )
    .await
    .expect("benchmark database (PostgreSQL with PostGIS on 127.0.0.1:5432)");
    let have: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM incidents WHERE id LIKE 'inc-b%' AND reported_at > now() - interval '30 days'",
    )
        .fetch_one(&pool)
        .await
        .expect("count");
    // about 1/36 of the incidents fall in the last 30 days when times are spread over 3 years
    let ordered: bool = sqlx::query_scalar(
        "SELECT coalesce(corr(extract(epoch FROM reported_at), (ctid::text::point)[0]) > 0.9, false)
           FROM incidents WHERE id LIKE 'inc-b%'",
    )
    .fetch_one(&pool)
    .await
    .expect("correlation");
    if !(INCIDENTS / 45..INCIDENTS / 30).contains(&have) || !ordered {
        println!("generating {INCIDENTS} incidents over 3 years …");
        let started = Instant::now();
        sqlx::query("DELETE FROM incidents WHERE id LIKE 'inc-b%'")
            .execute(&pool)
            .await
            .expect("clear");
        sqlx::query(GENERATE)
            .bind(INCIDENTS)
            .execute(&pool)
            .await
            .expect("generate");
        sqlx::query("VACUUM FULL incidents")
            .execute(&pool)
            .await
            .expect("compact");
        sqlx::query("ANALYZE incidents")
            .execute(&pool)
            .await
            .expect("analyze");
        println!("generated in {:.1} s", started.elapsed().as_secs_f64());
    }
    pool
}

/// Random areas of each kind, made in PostGIS so they are valid and inside the district.
async fn areas(pool: &PgPool, kind: &str) -> Vec<serde_json::Value> {
    match kind {
        "ward" => {
            let codes: Vec<String> = sqlx::query_scalar(
                "SELECT code FROM admin_areas WHERE level = 'ward' AND valid_to IS NULL ORDER BY code",
            )
            .fetch_all(pool)
            .await
            .expect("wards");
            (0..RUNS)
                .map(|i| json!({"ward": codes[i % codes.len()]}))
                .collect()
        }
        "radius" => {
            let pts: Vec<(f64, f64)> = sqlx::query_as(
                "SELECT ST_X((d).geom), ST_Y((d).geom) FROM (SELECT ST_Dump(ST_GeneratePoints(geom, $1, 7)) AS d
                   FROM admin_areas WHERE code = '760') x",
            )
            .bind(RUNS as i32)
            .fetch_all(pool)
            .await
            .expect("points");
            pts.into_iter()
                .map(|(x, y)| json!({"center": [x, y], "radius_m": 500}))
                .collect()
        }
        _ => {
            // the convex hull of 12 random points in a random circle, clipped to the district:
            // polygons from a few hundred m² up to about a third of the district
            let polys: Vec<String> = sqlx::query_scalar(
                "SELECT ST_AsGeoJSON(ST_Intersection(d.geom, ST_ConvexHull(ST_GeneratePoints(
                            ST_Buffer(c.p::geography, 300 + random() * 1000)::geometry, 12))), 6)
                   FROM admin_areas d,
                        LATERAL (SELECT (ST_Dump(ST_GeneratePoints(d.geom, $1, 11))).geom AS p) c
                  WHERE d.code = '760'",
            )
            .bind(RUNS as i32)
            .fetch_all(pool)
            .await
            .expect("polygons");
            polys
                .into_iter()
                .filter_map(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
                .filter(|g| g["type"] == "Polygon")
                .map(|g| json!({"geometry": g}))
                .collect()
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let pool = prepare().await;
    println!("area queries over {INCIDENTS} incidents; {RUNS} runs each; full answer (counts, breakdowns, histogram, coverage, first page)");
    println!(
        "{:<9} {:<16} {:>9} {:>9} {:>12}",
        "area", "time range", "p50 ms", "p95 ms", "incidents"
    );
    for kind in ["ward", "radius", "polygon"] {
        let bodies = areas(&pool, kind).await;
        for (range, from) in [
            ("last 30 days", None),
            ("all 3 years", Some("2023-01-01T00:00:00Z")),
        ] {
            let mut times = Vec::with_capacity(bodies.len());
            let mut incidents = 0i64;
            for b in &bodies {
                let mut b = b.clone();
                if let Some(f) = from {
                    b["from"] = json!(f);
                }
                let body: AreaQueryBody = serde_json::from_value(b).expect("body");
                let q = AreaQuery::from_body(body, Utc::now()).expect("valid query");
                let started = Instant::now();
                let answer = store::answer(&pool, &q).await.expect("answer");
                times.push(started.elapsed());
                incidents += answer.counts.get("incidents").copied().unwrap_or_default();
            }
            times.sort();
            println!(
                "{kind:<9} {range:<16} {:>9.1} {:>9.1} {:>12}",
                percentile(&times, 0.5),
                percentile(&times, 0.95),
                incidents / bodies.len().max(1) as i64
            );
        }
    }
}
