//! The District 1 seed, checked in PostGIS: counts, ward tiling, areas, centroids, places, cameras
//! along streets. Expected figures are literals from public facts, not read back from the seed files.

use crate::common::pool;

#[tokio::test]
async fn counts_of_the_seed() {
    let pool = pool().await;
    let n = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .expect(sql)
        }
    };
    assert_eq!(n("SELECT count(*) FROM cameras").await, 1132);
    assert_eq!(
        n("SELECT count(*) FROM cameras WHERE kind = 'fixed'").await,
        1115
    );
    assert_eq!(
        n("SELECT count(*) FROM cameras WHERE kind = 'vehicle' AND recorder_id IS NULL").await,
        10
    );
    assert_eq!(
        n("SELECT count(DISTINCT ward_code_at(geom, district_today())) FROM cameras WHERE kind = 'vehicle'")
            .await,
        4,
        "every ward of today has a patrol vehicle, and every vehicle is in one"
    );
    assert_eq!(
        n("SELECT count(*) FROM cameras WHERE kind = 'long_range'").await,
        7
    );
    assert_eq!(n("SELECT count(*) FROM recorders").await, 128);
    assert_eq!(
        n("SELECT count(DISTINCT recorder_id) FROM cameras WHERE kind = 'fixed'").await,
        128,
        "every recorder records fixed cameras"
    );
    assert_eq!(
        n("SELECT count(*) FROM admin_areas WHERE level = 'ward' AND valid_to = DATE '2025-07-01'").await,
        10
    );
    assert_eq!(
        n("SELECT count(*) FROM admin_areas WHERE level = 'ward' AND valid_from = DATE '2025-07-01' AND valid_to IS NULL")
            .await,
        4
    );
    assert!(n("SELECT count(*) FROM places WHERE category = 'school'").await >= 20);
    assert!(n("SELECT count(*) FROM places WHERE category IN ('clinic', 'hospital')").await >= 20);
    assert!(n("SELECT count(*) FROM places WHERE category = 'tourism'").await >= 20);
    assert_eq!(
        n("SELECT count(*) FROM places WHERE provenance NOT IN ('real', 'synthetic') OR name_en = '' OR name_vi = ''")
            .await,
        0
    );
}

#[tokio::test]
async fn loading_the_seed_again_changes_nothing() {
    let pool = pool().await;
    let loaded = server::db::seed::load_district1(&pool, "rtsp://elsewhere")
        .await
        .expect("seed loader runs");
    assert!(!loaded, "the seed was already loaded");
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cameras WHERE stream_url LIKE 'rtsp://elsewhere%'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(n, 0);
}

#[tokio::test]
async fn the_district_follows_the_published_outline() {
    // (lat, lon) from the foundation issue; the stored polygon may add vertices on its edges only.
    let ring = "10.79576 106.69168,10.79391 106.69428,10.79311 106.70316,10.79133 106.70645,\
        10.78777 106.70904,10.78741 106.71345,10.78533 106.71503,10.78109 106.70960,10.77680 106.70851,\
        10.77031 106.70853,10.76829 106.70414,10.75351 106.68697,10.75709 106.68449,10.76565 106.68116,\
        10.78322 106.69792,10.79250 106.68611,10.79306 106.68653,10.79548 106.68481,10.79706 106.68546,\
        10.79576 106.69168";
    let pool = pool().await;
    let (hausdorff_m, area_km2): (f64, f64) = sqlx::query_as(
        "SELECT ST_HausdorffDistance(ST_Transform(d.geom, 32648),
                                     ST_Transform(ST_FlipCoordinates(ST_GeomFromText('POLYGON((' || $1 || '))', 4326)), 32648)),
                d.area_km2
           FROM admin_areas d WHERE d.code = '760'",
    )
    .bind(ring)
    .fetch_one(&pool)
    .await
    .expect("outline query");
    assert!(
        hausdorff_m < 1.0,
        "district outline is {hausdorff_m} m from the published one"
    );
    assert!((area_km2 - 7.9).abs() < 0.4, "district area {area_km2} km²");
}

/// The 2020 wards: (code, published area km², published centroid lat, lon, population 2019)
const WARDS: &[(&str, f64, f64, f64, i32)] = &[
    ("26734", 0.633, 10.79266, 106.69063, 23258),
    ("26737", 0.995, 10.78909, 106.69883, 14970),
    ("26740", 2.478, 10.78059, 106.70463, 10633),
    ("26743", 0.927, 10.77349, 106.69419, 11714),
    ("26746", 0.492, 10.76867, 106.70122, 9716),
    ("26749", 0.498, 10.76815, 106.69120, 15183),
    ("26752", 0.227, 10.76539, 106.69677, 10737),
    ("26755", 0.356, 10.76216, 106.69357, 11517),
    ("26758", 0.764, 10.76319, 106.68628, 21191),
    ("26761", 0.344, 10.75770, 106.68891, 13706),
];

#[tokio::test]
async fn ward_areas_and_centroids_match_published_figures() {
    let pool = pool().await;
    for &(code, area, lat, lon, pop) in WARDS {
        let (got_area, off_m, got_pop): (f64, f64, i32) = sqlx::query_as(
            "SELECT area_km2, ST_Distance(ST_Centroid(geom)::geography, ST_MakePoint($2, $3)::geography),
                    population
               FROM admin_areas WHERE code = $1 AND valid_from = DATE '2020-01-01'",
        )
        .bind(code)
        .bind(lon)
        .bind(lat)
        .fetch_one(&pool)
        .await
        .unwrap_or_else(|e| panic!("ward {code}: {e}"));
        let ratio = got_area / area;
        assert!(
            (0.85..=1.15).contains(&ratio),
            "ward {code}: area {got_area:.3} km² vs {area}"
        );
        assert!(
            off_m <= 150.0,
            "ward {code}: centroid {off_m:.0} m from the published one"
        );
        assert_eq!(got_pop, pop, "ward {code} population");
    }
}

#[tokio::test]
async fn real_places_lie_in_their_2020_wards() {
    // (name, lat, lon, ward code) from the foundation issue (their 2025 wards: tests/it/boundaries.rs)
    let places = [
        ("Bến Thành market", 10.77252, 106.69802, "26743"),
        ("Independence Palace", 10.77694, 106.69528, "26743"),
        ("Tao Đàn park", 10.77444, 106.69250, "26743"),
        ("Rex hotel", 10.77583, 106.70150, "26740"),
        ("Lê Duẩn roundabout", 10.77930, 106.69950, "26740"),
        ("Nhà thờ Đức Bà", 10.77979, 106.69899, "26740"),
        ("US consulate", 10.78318, 106.70043, "26740"),
        ("Thảo Cầm Viên", 10.78806, 106.70472, "26740"),
        ("Trần Hưng Đạo statue", 10.77528, 106.70639, "26740"),
        ("Central Post Office", 10.77949, 106.69999, "26740"),
        ("City Hall", 10.77639, 106.70111, "26740"),
        ("Opera House", 10.77667, 106.70306, "26740"),
        ("Nguyễn Huệ walking street", 10.77411, 106.70362, "26740"),
        ("Bitexco tower", 10.77160, 106.70463, "26740"),
    ];
    let pool = pool().await;
    for (name, lat, lon, code) in places {
        let ward: Option<String> = sqlx::query_scalar(
            "SELECT ward_code_at(ST_SetSRID(ST_MakePoint($1, $2), 4326), DATE '2024-06-01')",
        )
        .bind(lon)
        .bind(lat)
        .fetch_one(&pool)
        .await
        .expect("ward lookup");
        assert_eq!(ward.as_deref(), Some(code), "{name}");
    }
    // Each landmark has its long-range camera within 20 m (the Chinese consulate's is on the D1 kerb).
    let far: Vec<String> = sqlx::query_scalar(
        "SELECT l.name FROM (VALUES ('Rex', 106.70150, 10.77583), ('roundabout', 106.69950, 10.77930),
                 ('cathedral', 106.69899, 10.77979), ('US consulate', 106.70043, 10.78318),
                 ('zoo', 106.70472, 10.78806), ('statue', 106.70639, 10.77528)) AS l(name, lon, lat)
          WHERE NOT EXISTS (SELECT 1 FROM cameras c WHERE c.kind = 'long_range'
                  AND ST_DWithin(c.geom::geography, ST_MakePoint(l.lon, l.lat)::geography, 20))",
    )
    .fetch_all(&pool)
    .await
    .expect("landmark cameras");
    assert!(
        far.is_empty(),
        "landmarks without a long-range camera: {far:?}"
    );
}

#[tokio::test]
async fn fixed_cameras_stand_along_the_main_streets() {
    let pool = pool().await;
    let off_street: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cameras c WHERE c.kind = 'fixed' AND NOT EXISTS
           (SELECT 1 FROM streets s WHERE ST_DWithin(c.geom::geography, s.geom::geography, 15))",
    )
    .fetch_one(&pool)
    .await
    .expect("distance query");
    assert_eq!(
        off_street, 0,
        "fixed cameras more than 15 m from any street"
    );
    let main = [
        "Lê Duẩn",
        "Đồng Khởi",
        "Nguyễn Huệ",
        "Lê Lợi",
        "Lê Thánh Tôn",
        "Hàm Nghi",
        "Tôn Đức Thắng",
        "Hai Bà Trưng",
        "Nguyễn Du",
        "Nam Kỳ Khởi Nghĩa",
        "Pasteur",
        "Nguyễn Thị Minh Khai",
        "Cách Mạng Tháng Tám",
        "Trương Định",
        "Phạm Ngũ Lão",
        "Trần Hưng Đạo",
        "Nguyễn Trãi",
        "Võ Văn Kiệt",
        "Điện Biên Phủ",
        "Đinh Tiên Hoàng",
        "Nguyễn Bỉnh Khiêm",
        "Lê Lai",
        "Cống Quỳnh",
        "Bùi Viện",
    ];
    for name in main {
        let (n, len): (i64, f64) = sqlx::query_as(
            "SELECT count(*), coalesce(sum(ST_Length(geom::geography)), 0) FROM streets WHERE name_vi = $1",
        )
        .bind(name)
        .fetch_one(&pool)
        .await
        .expect("street lookup");
        assert!(
            n == 1 && len > 200.0,
            "main street {name}: {n} rows, {len:.0} m"
        );
    }
}

#[tokio::test]
async fn cameras_are_denser_where_people_are_denser() {
    let pool = pool().await;
    let mut pairs = Vec::new();
    for &(code, area, _, _, pop) in WARDS {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM cameras WHERE kind = 'fixed' AND ward_code_at(geom, DATE '2024-06-01') = $1",
        )
        .bind(code)
        .fetch_one(&pool)
        .await
        .expect("count");
        pairs.push((f64::from(pop) / area, n as f64 / area));
    }
    let rho = spearman(&pairs);
    assert!(
        rho > 0.8,
        "rank correlation of camera density with population density is {rho:.2}"
    );
}

fn spearman(pairs: &[(f64, f64)]) -> f64 {
    let rank = |f: &dyn Fn(&(f64, f64)) -> f64| {
        let mut idx: Vec<usize> = (0..pairs.len()).collect();
        idx.sort_by(|&a, &b| f(&pairs[a]).total_cmp(&f(&pairs[b])));
        let mut r = vec![0.0; pairs.len()];
        for (rank, i) in idx.into_iter().enumerate() {
            r[i] = rank as f64;
        }
        r
    };
    let (a, b) = (rank(&|p| p.0), rank(&|p| p.1));
    let n = pairs.len() as f64;
    let d2: f64 = a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[tokio::test]
async fn distances_in_metres_have_geography_indexes() {
    let pool = pool().await;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE indexname LIKE '%_geog_idx'",
    )
    .fetch_all(&pool)
    .await
    .expect("index list");
    for t in ["cameras", "places", "admin_areas", "streets", "incidents"] {
        assert!(
            names.contains(&format!("{t}_geog_idx")),
            "{t} has no geography index: {names:?}"
        );
    }
}
