//! Files any node can read: an export saved through node A is in the cluster's S3-compatible
//! store, listed and downloaded through node B, and deleted through B, file and all.

use serde_json::json;

use super::harness::{http, sign_in, Cluster};

pub(super) async fn an_export_saved_through_a_is_downloaded_through_b(cluster: &Cluster) {
    let lb = cluster.lb;
    let cookie = sign_in(lb, "a", "planner", "planner-demo-2026").await;
    let as_planner = |node: &'static str| {
        [
            ("x-test-node", node),
            ("cookie", cookie.as_str()),
            ("content-type", "application/json"),
        ]
    };
    let body = json!({"ward": "26743"}).to_string();
    let a = http(
        lb,
        "POST",
        "/api/area-query/exports?format=csv",
        &as_planner("a"),
        &body,
    )
    .await
    .expect("an answer");
    assert_eq!(a.status, 201, "{}", a.body);
    let saved = a.json();
    let (id, href) = (
        saved["id"].as_str().expect("id").to_string(),
        saved["href"].as_str().expect("href").to_string(),
    );
    let key = format!("{}/area-exports/{id}.csv", cluster.cluster);
    assert_eq!(
        cluster.s3.keys(&cluster.cluster).await,
        vec![key.clone()],
        "the file is in the bucket, under the cluster's prefix"
    );

    let list = http(lb, "GET", "/api/area-query/exports", &as_planner("b"), "")
        .await
        .expect("an answer");
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.json()["exports"][0]["id"], id.as_str());
    let file = http(lb, "GET", &href, &as_planner("b"), "")
        .await
        .expect("an answer");
    assert_eq!(file.status, 200, "{}", file.body);
    assert_eq!(
        file.body.len() as i64,
        saved["bytes"].as_i64().expect("bytes")
    );
    assert!(file
        .body
        .starts_with("layer,id,name_vi,name_en,kind,lon,lat,wkt\r\n"));
    assert!(file.body.contains("Chợ Bến Thành"), "{}", &file.body[..200]);

    let gone = http(lb, "DELETE", &href, &as_planner("b"), "")
        .await
        .expect("an answer");
    assert_eq!(gone.status, 204, "{}", gone.body);
    assert!(cluster.s3.keys(&cluster.cluster).await.is_empty());
    let again = http(lb, "GET", &href, &as_planner("a"), "")
        .await
        .expect("an answer");
    assert_eq!(again.status, 404, "{}", again.body);
}
