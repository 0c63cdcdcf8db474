//! Saved exports (`/api/area-query/exports`): a planner keeps an export in the file store, any
//! planner lists and downloads it, its owner or an admin deletes it, and housekeeping takes away
//! what expired and what a crash left. The file store here is a real directory; the cluster suite
//! (`balancer.rs`) reads a file saved through one node through the other.

use serde_json::{json, Value};

use crate::common::{app_with, as_, config, pool, Who};
use server::files::Files;

/// Bến Thành ward: the market, 116 cameras, schools, clinics.
const WARD: &str = "26743";

/// The tests of this file take turns: each checks that the list of saved exports (one table for the
/// whole test database) did not change when nothing should have been saved.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A file store of this test's own, in a fresh directory.
fn own_dir(name: &str) -> String {
    let d = std::env::temp_dir().join(format!(
        "ioc-map-test-{}-{name}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    d.to_string_lossy().into_owned()
}

fn file_path(dir: &str, id: &str, ext: &str) -> std::path::PathBuf {
    std::path::Path::new(dir).join(format!("area-exports/{id}.{ext}"))
}

async fn saved_ids(client: &crate::common::Client<'_>) -> Vec<String> {
    let a = client.get("/api/area-query/exports").await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.json()["exports"]
        .as_array()
        .expect("exports")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn a_planner_saves_an_export_that_others_list_download_and_its_owner_deletes() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = own_dir("saved");
    let mut c = config(crate::common::database_url());
    c.files = dir.clone();
    let app = app_with(pool().await, c);
    let planner = as_(&app, Who::Planner).await;
    let admin = as_(&app, Who::Admin).await;
    let before = saved_ids(&planner).await;

    // bad input first: it answers 400 naming the field and saves nothing
    let a = planner
        .post_json(
            "/api/area-query/exports?format=xlsx",
            &json!({"ward": WARD}),
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert_eq!(a.json()["field"], "format");
    let a = planner
        .post_json("/api/area-query/exports", &json!({"ward": "99999"}))
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert_eq!(a.json()["field"], "ward");
    assert_eq!(saved_ids(&planner).await, before);
    assert!(!std::path::Path::new(&dir).join("area-exports").exists());

    // saved: 201, where it is, what it holds
    let a = planner
        .post_json("/api/area-query/exports?format=csv", &json!({"ward": WARD}))
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let saved = a.json();
    let id = saved["id"].as_str().expect("id").to_string();
    let href = format!("/api/area-query/exports/{id}");
    assert_eq!(a.headers["location"], href.as_str());
    assert_eq!(saved["href"], href.as_str());
    assert_eq!(saved["format"], "csv");
    assert_eq!(saved["area"], "ward");
    assert_eq!(saved["ward"], WARD);
    assert!(saved["name_vi"]
        .as_str()
        .expect("name")
        .contains("Bến Thành"));
    assert_eq!(
        saved["saved_by"], "Chuyên viên quy hoạch (demo)",
        "the display name"
    );
    assert_eq!(saved["yours"], true);
    for t in ["saved_at", "expires_at"] {
        let at = saved[t].as_str().expect(t);
        assert!(at.ends_with("+07:00"), "{t} in the district's time: {at}");
    }
    let days = chrono::DateTime::parse_from_rfc3339(saved["expires_at"].as_str().expect("t"))
        .expect("RFC 3339")
        - chrono::DateTime::parse_from_rfc3339(saved["saved_at"].as_str().expect("t")).expect("t");
    assert_eq!(days.num_days(), 30, "kept for IOC_EXPORT_RETENTION_DAYS");
    let features = saved["features"].as_i64().expect("features");
    assert!(features > 116, "{saved}");
    let on_disk = std::fs::read(file_path(&dir, &id, "csv")).expect("the file is in the store");
    assert_eq!(saved["bytes"].as_i64(), Some(on_disk.len() as i64));

    // listed, newest first, for anyone who plans; the list says whose it is
    let list = saved_ids(&admin).await;
    assert_eq!(list.first(), Some(&id));
    let listed = admin.get("/api/area-query/exports").await.json();
    assert_eq!(
        listed["exports"][0]["yours"], false,
        "the admin did not save it"
    );
    let listed = planner.get("/api/area-query/exports").await.json();
    assert_eq!(listed["exports"][0]["yours"], true);

    // downloaded: the same bytes, as an attachment with its length
    let a = admin.get(&href).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(a.headers["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/csv"));
    let disposition = a.headers["content-disposition"].to_str().expect("header");
    assert!(
        disposition.starts_with("attachment;") && disposition.contains(&format!("-{WARD}-")),
        "{disposition}"
    );
    assert_eq!(
        a.headers["content-length"].to_str().expect("length"),
        on_disk.len().to_string()
    );
    assert_eq!(a.text.as_bytes(), on_disk.as_slice());
    let lines: Vec<&str> = a.text.lines().collect();
    assert_eq!(lines[0], "layer,id,name_vi,name_en,kind,lon,lat,wkt");
    assert_eq!(lines.len() as i64 - 1, features);
    assert!(a.text.contains("Chợ Bến Thành"));

    // operators do not plan: no list, no file
    let operator = as_(&app, Who::Operator).await;
    assert_eq!(operator.get(&href).await.status, 403);
    assert_eq!(operator.get("/api/area-query/exports").await.status, 403);

    // only its planner or an admin deletes it: the admin's own export is not the planner's
    let a = admin
        .post_json("/api/area-query/exports", &json!({"ward": WARD}))
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let admins: Value = a.json();
    let admins_href = admins["href"].as_str().expect("href").to_string();
    let a = planner.request("DELETE", &admins_href, None).await;
    assert_eq!(a.status, 403, "{}", a.text);
    assert_eq!(planner.get(&admins_href).await.status, 200);
    assert_eq!(
        admin.request("DELETE", &admins_href, None).await.status,
        204
    );

    let a = planner.request("DELETE", &href, None).await;
    assert_eq!(a.status, 204, "{}", a.text);
    assert!(
        !file_path(&dir, &id, "csv").exists(),
        "the file went with it"
    );
    assert_eq!(planner.get(&href).await.status, 404);
    assert_eq!(planner.request("DELETE", &href, None).await.status, 404);
    assert_eq!(saved_ids(&planner).await, before);

    // ids the server never made are simply not there
    for bad in ["nope", "../../etc/passwd", &id.to_uppercase()] {
        let a = planner.get(&format!("/api/area-query/exports/{bad}")).await;
        assert_eq!(a.status, 404, "{bad}: {}", a.text);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_file_store_that_fails_answers_503_and_records_nothing() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = own_dir("broken");
    std::fs::create_dir_all(&dir).expect("dir");
    // where the exports' folder should be there is a plain file: every write fails
    std::fs::write(
        std::path::Path::new(&dir).join("area-exports"),
        b"not a folder",
    )
    .expect("file");
    let mut c = config(crate::common::database_url());
    c.files = dir.clone();
    let app = app_with(pool().await, c);
    let planner = as_(&app, Who::Planner).await;
    let before = saved_ids(&planner).await;
    let a = planner
        .post_json("/api/area-query/exports", &json!({"ward": WARD}))
        .await;
    assert_eq!(a.status, 503, "{}", a.text);
    assert_eq!(a.json()["error"], "unavailable");
    assert_eq!(saved_ids(&planner).await, before, "no row without its file");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn housekeeping_deletes_expired_exports_and_files_a_crash_left_but_not_a_save_in_flight() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = own_dir("housekeeping");
    let mut c = config(crate::common::database_url());
    c.files = dir.clone();
    let db = pool().await;
    let app = app_with(db.clone(), c);
    let planner = as_(&app, Who::Planner).await;
    let save = || async {
        let a = planner
            .post_json(
                "/api/area-query/exports?format=geojson",
                &json!({"ward": WARD}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.text);
        a.json()["id"].as_str().expect("id").to_string()
    };
    let expired = save().await;
    let kept = save().await;
    sqlx::query("UPDATE saved_exports SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(&expired)
        .execute(&db)
        .await
        .expect("expire it");
    // past its days it is no longer listed or served, even before housekeeping runs
    assert!(!saved_ids(&planner).await.contains(&expired));
    assert_eq!(
        planner
            .get(&format!("/api/area-query/exports/{expired}"))
            .await
            .status,
        404
    );

    // two files without a row: one written two hours ago (a crash's leftover), one just now
    let files = Files::open(&dir).expect("store");
    let (old, fresh) = (
        "area-exports/left-by-a-crash.csv",
        "area-exports/in-flight.csv",
    );
    for key in [old, fresh] {
        files.put(key, "x\r\n".into()).await.expect("put");
    }
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(std::path::Path::new(&dir).join(old))
        .expect("open")
        .set_modified(two_hours_ago)
        .expect("age it");

    server::planner::saved::housekeeping(&db, &files)
        .await
        .expect("housekeeping");
    let mut left = files.keys("area-exports").await.expect("keys");
    left.sort();
    let mut want = vec![fresh.to_string(), format!("area-exports/{kept}.geojson")];
    want.sort();
    assert_eq!(left, want);
    let gone: Option<String> = sqlx::query_scalar("SELECT id FROM saved_exports WHERE id = $1")
        .bind(&expired)
        .fetch_optional(&db)
        .await
        .expect("query");
    assert_eq!(gone, None, "the expired row went with its file");
    assert_eq!(
        planner
            .get(&format!("/api/area-query/exports/{kept}"))
            .await
            .status,
        200
    );
    let _ = std::fs::remove_dir_all(dir);
}
