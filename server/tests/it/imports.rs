//! Layers from files (issue #13): upload, preview, commit all-or-nothing with every bad row named,
//! the layer in the OGC API with its access, re-import in place, coordinate systems checked against
//! PROJ's own `cs2cs` and the Web Mercator formula, Shapefiles and GeoPackages through GDAL, and the
//! real third-party files of `../shared/realworld` (read where they are, never copied).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::common::{app, as_, get, Client, Who};

/// Points of the district, (name, lon, lat).
const POINTS: &[(&str, f64, f64)] = &[
    ("Bến Thành market", 106.69802, 10.77252),
    ("Nhà thờ Đức Bà", 106.69899, 10.77979),
    ("Thảo Cầm Viên", 106.70472, 10.78806),
    ("Cầu Kho", 106.68890, 10.75770),
];

async fn upload(admin: &Client<'_>, filename: &str, bytes: Vec<u8>) -> Value {
    let a = admin
        .post_file(&format!("/api/imports?filename={filename}"), bytes)
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json()
}

async fn commit(admin: &Client<'_>, id: &str, body: Value) -> crate::common::Answer {
    admin
        .post_json(&format!("/api/imports/{id}/commit"), &body)
        .await
}

/// How far (m) each imported feature of `layer` lies from where `POINTS` says.
async fn offsets(layer: &str) -> Vec<(String, f64)> {
    let pool = crate::common::pool().await;
    let mut out = Vec::new();
    for (name, lon, lat) in POINTS {
        let d: f64 = sqlx::query_scalar(
            "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography)
               FROM layer_features WHERE layer_id = $1 AND props->>'name' = $4",
        )
        .bind(layer)
        .bind(lon)
        .bind(lat)
        .bind(name)
        .fetch_one(&pool)
        .await
        .unwrap_or_else(|e| panic!("{layer} {name}: {e}"));
        out.push((name.to_string(), d));
    }
    out
}

#[tokio::test]
async fn a_csv_becomes_a_public_layer_and_a_second_import_changes_nothing() {
    let app = app().await;
    let admin = as_(&app, Who::Admin).await;
    let mut csv = String::from("code;name;lon;lat;bins;opened\n");
    for (i, (name, lon, lat)) in POINTS.iter().enumerate() {
        csv += &format!("P{i};{name};{lon};{lat};{};2024-0{}-01\n", i + 2, i + 1);
    }
    let preview = upload(&admin, "points.csv", csv.clone().into_bytes()).await;
    assert_eq!(preview["format"], "csv");
    assert_eq!(preview["rows"], 4);
    assert_eq!(preview["geometry"], "lon/lat columns lon, lat");
    assert_eq!(preview["crs_guess"], "EPSG:4326");
    let types: Vec<(&str, &str)> = preview["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap_or(""),
                f["type"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        types.contains(&("bins", "integer")) && types.contains(&("opened", "date")),
        "{types:?}"
    );
    assert_eq!(
        preview["first_rows"][0]["values"]["name"],
        "Bến Thành market"
    );
    let body = json!({"layer": "test-points", "title_vi": "Điểm thử", "title_en": "Test points",
                      "access": "public", "id_field": "code",
                      "fields": [{"from": "name", "required": true},
                                 {"from": "bins", "type": "integer"},
                                 {"from": "opened", "type": "date"}]});
    let done = commit(&admin, preview["id"].as_str().expect("id"), body.clone()).await;
    assert_eq!(done.status, 200, "{}", done.text);
    let done = done.json();
    assert_eq!(
        (done["inserted"].as_i64(), done["updated"].as_i64()),
        (Some(4), Some(0))
    );
    assert_eq!(done["layer"]["geometry"], "point");
    // everyone reads it, typed, by its stable ids
    let items = get(&app, "/ogc/collections/test-points/items").await;
    assert_eq!(items.status, 200, "{}", items.text);
    let items = items.json();
    assert_eq!(items["numberMatched"], 4);
    let p0 = get(&app, "/ogc/collections/test-points/items/P0")
        .await
        .json();
    assert_eq!(p0["properties"]["bins"], 2);
    assert_eq!(p0["properties"]["opened"], "2024-01-01");
    let layers = get(&app, "/api/layers").await.json();
    assert!(layers["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .any(|l| l["id"] == "test-points" && l["features"] == 4));
    // the same file again: in place, nothing new, nothing duplicated
    let again = upload(&admin, "points.csv", csv.into_bytes()).await;
    let done = commit(&admin, again["id"].as_str().expect("id"), body)
        .await
        .json();
    assert_eq!(
        (
            done["inserted"].as_i64(),
            done["unchanged"].as_i64(),
            done["removed"].as_i64()
        ),
        (Some(0), Some(4), Some(0)),
        "{done}"
    );
    // a committed upload is gone
    let twice = commit(
        &admin,
        again["id"].as_str().expect("id"),
        json!({"layer": "test-points"}),
    )
    .await;
    assert_eq!(twice.status, 404);
}

#[tokio::test]
async fn every_bad_row_is_named_and_nothing_lands() {
    let app = app().await;
    let admin = as_(&app, Who::Admin).await;
    let csv = "code,name,wkt,bins\n\
               A,One,POINT(106.698 10.772),1\n\
               B,,POINT(106.699 10.779),2\n\
               C,Three,POINT(106.5 10.9),3\n\
               D,Four,POINT(abc),4\n\
               A,Five,POINT(106.70 10.78),5\n\
               F,Six,\"POLYGON((106.69 10.77,106.70 10.78,106.70 10.77,106.69 10.78,106.69 10.77))\",6\n\
               G,Seven,POINT(106.70 10.78),many\n";
    let preview = upload(&admin, "bad.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(preview["geometry"], "WKT column wkt");
    let refused = commit(
        &admin,
        preview["id"].as_str().expect("id"),
        json!({"layer": "test-bad", "id_field": "code", "crs": "EPSG:4326",
               "fields": [{"from": "name", "required": true}, {"from": "bins", "type": "integer"}]}),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    let doc = refused.json();
    assert_eq!(doc["error"], "invalid_rows");
    let rows: Vec<(i64, String)> = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap_or(0),
                r["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    println!(
        "refused rows: {}",
        serde_json::to_string_pretty(&doc["rows"]).unwrap_or_default()
    );
    assert_eq!(
        rows,
        [
            (2, "name".into()),
            (3, "geometry".into()),
            (4, "geometry".into()),
            (5, "code".into()),
            (6, "geometry".into()),
            (7, "bins".into())
        ]
    );
    let reasons = doc["rows"].to_string();
    assert!(reasons.contains("outside District 1"), "{reasons}");
    assert!(reasons.contains("not valid"), "{reasons}");
    assert!(reasons.contains("also row 1"), "{reasons}");
    // all or nothing: the good row did not land either
    let none = get_layer(&app, "test-bad").await;
    assert_eq!(none, 404);
}

async fn get_layer(app: &axum::Router, id: &str) -> u16 {
    get(app, &format!("/ogc/collections/{id}"))
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn a_staff_layer_is_for_staff_and_a_built_in_id_is_refused() {
    let app = app().await;
    let admin = as_(&app, Who::Admin).await;
    let preview = upload(
        &admin,
        "one.geojson",
        json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "h1", "properties": {"name": "Trụ nước 1"},
         "geometry": {"type": "Point", "coordinates": [106.70, 10.776]}}]})
        .to_string()
        .into_bytes(),
    )
    .await;
    let id = preview["id"].as_str().expect("id");
    let built_in = commit(&admin, id, json!({"layer": "cameras"})).await;
    assert_eq!(built_in.status, 409, "{}", built_in.text);
    let ok = commit(
        &admin,
        id,
        json!({"layer": "test-hydrants", "access": "staff", "id_field": "id"}),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(get_layer(&app, "test-hydrants").await, 401, "anonymous");
    let operator = as_(&app, Who::Operator).await;
    assert_eq!(
        operator
            .get("/ogc/collections/test-hydrants/items")
            .await
            .status,
        200
    );
    let public = get(&app, "/api/layers").await.json();
    assert!(!public.to_string().contains("test-hydrants"));
    // an operator may not import, an admin may remove
    assert_eq!(
        operator
            .post_file("/api/imports?filename=a.csv", b"lon,lat\n1,2\n".to_vec())
            .await
            .status,
        403
    );
    assert_eq!(
        admin
            .request("DELETE", "/api/layers/test-hydrants", None)
            .await
            .status,
        204
    );
    assert_eq!(
        operator.get("/ogc/collections/test-hydrants").await.status,
        404
    );
}

#[tokio::test]
async fn files_that_are_not_what_they_say_are_refused() {
    let app = app().await;
    let admin = as_(&app, Who::Admin).await;
    for (name, bytes, field) in [
        ("x.zip", b"not a zip".to_vec(), "file"),
        ("x.gpkg", b"{}".to_vec(), "file"),
        ("x.exe", b"MZ".to_vec(), "filename"),
        ("x.geojson", b"{\"type\": \"Topology\"}".to_vec(), "file"),
        ("x.csv", b"name,address\nA,B\n".to_vec(), "file"),
        ("x.csv", Vec::new(), "file"),
    ] {
        let a = admin
            .post_file(&format!("/api/imports?filename={name}"), bytes)
            .await;
        assert_eq!(a.status, 400, "{name}: {}", a.text);
        assert_eq!(a.json()["field"], field, "{name}");
    }
    let big = admin
        .post_file(
            "/api/imports?filename=big.csv",
            vec![b'a'; 21 * 1024 * 1024],
        )
        .await;
    assert_eq!(big.status, 413);
}

/// `cs2cs` (PROJ's command-line tool) from WGS 84 to `to`: (x, y) per point.
fn cs2cs(to: &str) -> Vec<(f64, f64)> {
    let input: String = POINTS
        .iter()
        .map(|(_, lon, lat)| format!("{lat} {lon}\n"))
        .collect();
    let mut child = Command::new("cs2cs")
        .args(["-f", "%.4f", "EPSG:4326", "+to"])
        .args(to.split(' '))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("cs2cs (proj-bin)");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("cs2cs output");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Vec<f64> = l
                .split_whitespace()
                .filter_map(|s| s.parse().ok())
                .collect();
            (v[0], v[1])
        })
        .collect()
}

/// VN-2000 / TM-3 105°45′, written the way HCMC's agencies' software writes it, independently of the
/// server's definition (migration 0010).
const VN2000_HCMC: &str = "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 \
     +towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs";

#[tokio::test]
async fn coordinates_in_other_systems_land_within_a_metre() {
    let app = app().await;
    let admin = as_(&app, Who::Admin).await;
    // Web Mercator by its formula; UTM 48N and VN-2000 HCMC by PROJ's cs2cs
    let r = 6_378_137.0_f64;
    let mercator: Vec<(f64, f64)> = POINTS
        .iter()
        .map(|(_, lon, lat)| {
            (
                r * lon.to_radians(),
                r * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
                    .tan()
                    .ln(),
            )
        })
        .collect();
    let utm = cs2cs("EPSG:32648");
    let vn = cs2cs(VN2000_HCMC);
    println!("reference points (lon, lat → Web Mercator; UTM 48N; VN-2000 HCMC TM-3):");
    for (i, (name, lon, lat)) in POINTS.iter().enumerate() {
        println!(
            "  {name}: {lon}, {lat} → {:.2}, {:.2}; {:.2}, {:.2}; {:.2}, {:.2}",
            mercator[i].0, mercator[i].1, utm[i].0, utm[i].1, vn[i].0, vn[i].1
        );
    }
    for (layer, crs, coords) in [
        ("test-mercator", "EPSG:3857", &mercator),
        ("test-utm", "EPSG:32648", &utm),
        ("test-vn2000", "VN2000-HCMC", &vn),
    ] {
        let mut csv = String::from("name,x,y\n");
        for ((name, _, _), (x, y)) in POINTS.iter().zip(coords.iter()) {
            csv += &format!("{name},{x:.4},{y:.4}\n");
        }
        let preview = upload(&admin, "projected.csv", csv.into_bytes()).await;
        assert_eq!(preview["crs_guess"], Value::Null, "metres are not degrees");
        // without a crs the commit is refused, naming it
        let id = preview["id"].as_str().expect("id");
        let unsaid = commit(&admin, id, json!({"layer": layer})).await;
        assert_eq!(unsaid.status, 400, "{}", unsaid.text);
        assert_eq!(unsaid.json()["field"], "crs");
        let done = commit(&admin, id, json!({"layer": layer, "crs": crs})).await;
        assert_eq!(done.status, 200, "{crs}: {}", done.text);
        for (name, d) in offsets(layer).await {
            println!("  {crs}: {name} lands {d:.3} m from its place");
            assert!(d < 1.0, "{crs}: {name} is {d} m off");
        }
    }
}

/// `ogr2ogr` from a GeoJSON file to `out` (a `.shp.zip` or `.gpkg`) in `srs`.
fn ogr2ogr(src: &Path, out: &Path, format: &str, srs: &str) {
    let mut cmd = Command::new("ogr2ogr");
    if format == "ESRI Shapefile" {
        // a Shapefile is ISO-8859-1 unless told: Vietnamese names need UTF-8 (GDAL writes a .cpg)
        cmd.args(["-lco", "ENCODING=UTF-8"]);
    }
    let status = cmd
        .args(["-f", format])
        .arg(out)
        .arg(src)
        .args(["-t_srs", srs])
        .status()
        .expect("ogr2ogr (gdal-bin)");
    assert!(status.success(), "ogr2ogr to {}", out.display());
}

fn points_geojson() -> String {
    json!({"type": "FeatureCollection", "features": POINTS.iter().map(|(name, lon, lat)| json!({
        "type": "Feature", "properties": {"name": name},
        "geometry": {"type": "Point", "coordinates": [lon, lat]}})).collect::<Vec<_>>()})
    .to_string()
}

#[tokio::test]
async fn shapefiles_and_geopackages_are_read_by_gdal_in_their_own_coordinates() {
    let app = app().await;
    let admin = as_(&app, Who::Admin).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("points.geojson");
    std::fs::write(&src, points_geojson()).expect("write");
    for (layer, file, format, srs) in [
        (
            "test-shapefile",
            "points.shp.zip",
            "ESRI Shapefile",
            "EPSG:32648",
        ),
        ("test-geopackage", "points.gpkg", "GPKG", VN2000_HCMC),
    ] {
        let out = dir.path().join(file);
        ogr2ogr(&src, &out, format, srs);
        let name = if file.ends_with(".zip") {
            "points.zip"
        } else {
            file
        };
        let preview = upload(&admin, name, std::fs::read(&out).expect("read")).await;
        assert!(
            preview["crs"]
                .as_str()
                .unwrap_or_default()
                .contains("GDAL transformed it"),
            "{preview}"
        );
        let done = commit(
            &admin,
            preview["id"].as_str().expect("id"),
            json!({"layer": layer}),
        )
        .await;
        assert_eq!(done.status, 200, "{file}: {}", done.text);
        for (name, d) in offsets(layer).await {
            assert!(d < 1.0, "{file}: {name} is {d} m off");
        }
    }
}

/// `../shared/realworld` beside the repository: present on the project's machines and in CI, never
/// copied into the repository.
fn realworld() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/realworld");
    dir.is_dir().then_some(dir)
}

#[tokio::test]
async fn the_real_ward_polygons_and_bus_stops_import() {
    let Some(dir) = realworld() else {
        eprintln!("../shared/realworld is not here: the real-file import was not tried");
        return;
    };
    let app = app().await;
    let admin = as_(&app, Who::Admin).await;
    // the bus stops as they are: GeoJSON, names required
    let stops = std::fs::read(dir.join("district1_busstops_csl_hcmc.geojson")).expect("bus stops");
    let preview = upload(&admin, "district1_busstops_csl_hcmc.geojson", stops).await;
    println!(
        "bus stops: {} rows, fields {}",
        preview["rows"],
        preview["fields"]
            .as_array()
            .map(|f| f
                .iter()
                .map(|f| format!("{}:{}", f["name"], f["type"]))
                .collect::<Vec<_>>()
                .join(", "))
            .unwrap_or_default()
    );
    let done = commit(
        &admin,
        preview["id"].as_str().expect("id"),
        json!({"layer": "realworld-bus-stops", "title_vi": "Trạm xe buýt", "title_en": "Bus stops",
               "access": "staff",
               "fields": [{"from": "NameBusSto", "to": "name", "required": true},
                          {"from": "NameBusRou", "to": "routes"},
                          {"from": "Address", "to": "address"},
                          {"from": "ward_csl", "to": "ward_2019"}]}),
    )
    .await;
    println!("bus stops imported: {}", done.text);
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(
        done.json()["inserted"].as_i64().unwrap_or(0)
            + done.json()["unchanged"].as_i64().unwrap_or(0),
        89
    );
    // the ward polygons, made a zipped Shapefile in UTM 48N in a temporary directory (as the source
    // shapefile was) so GDAL reads them back
    let tmp = tempfile::tempdir().expect("temp dir");
    let shp = tmp.path().join("wards.shp.zip");
    ogr2ogr(
        &dir.join("district1_wards_csl_hcmc.geojson"),
        &shp,
        "ESRI Shapefile",
        "EPSG:32648",
    );
    let preview = upload(&admin, "wards.zip", std::fs::read(&shp).expect("read")).await;
    let done = commit(
        &admin,
        preview["id"].as_str().expect("id"),
        json!({"layer": "realworld-wards-2019", "access": "staff", "id_field": "Com_ID",
               "fields": [{"from": "Com_ID", "to": "code", "required": true},
                          {"from": "Com_Name", "to": "name", "required": true},
                          {"from": "Pop_2019", "to": "population_2019", "type": "integer"}]}),
    )
    .await;
    println!("ward polygons imported: {}", done.text);
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.json()["layer"]["features"], 10);
    // how the seed's approximate 2020 wards compare with these
    let pool = crate::common::pool().await;
    let rows: Vec<(String, String, f64, f64, f64)> = sqlx::query_as(
        "SELECT f.feature_id, f.props->>'name', ST_Area(f.geom::geography) / 1e6, a.area_km2,
                ST_Area(ST_Intersection(f.geom, a.geom)::geography) / ST_Area(ST_Union(f.geom, a.geom)::geography)
           FROM layer_features f JOIN admin_areas a
             ON a.level = 'ward' AND a.code = f.feature_id AND a.valid_from = DATE '2020-01-01'
          WHERE f.layer_id = 'realworld-wards-2019' ORDER BY f.feature_id",
    )
    .fetch_all(&pool)
    .await
    .expect("compare");
    println!("ward: real km², seed km², overlap (intersection / union)");
    for (code, name, real, seed, iou) in &rows {
        println!("  {code} {name}: {real:.3}, {seed:.3}, {iou:.2}");
    }
    assert_eq!(rows.len(), 10);
}
