//! Interoperability: GDAL's OGC API – Features driver (`ogrinfo`, Debian gdal-bin) reads every layer.

use std::collections::HashMap;
use std::process::Command;

use crate::common::{app, request_as, Who};

/// "Layer name: X" followed by "Feature Count: N" in `ogrinfo -so -al` output.
fn feature_counts(out: &str) -> HashMap<String, i64> {
    let mut counts = HashMap::new();
    let mut layer = None;
    for line in out.lines() {
        if let Some(name) = line.strip_prefix("Layer name: ") {
            layer = Some(name.trim().to_string());
        } else if let (Some(n), Some(l)) = (line.strip_prefix("Feature Count: "), &layer) {
            counts.insert(l.clone(), n.trim().parse().unwrap_or(-1));
        }
    }
    counts
}

#[tokio::test]
async fn ogrinfo_reads_the_layers_and_counts() {
    let app = app().await;
    // The protected layers (cameras, recorders) need a personal API token, as in QGIS or GDAL.
    let created = request_as(
        &app,
        Who::Operator,
        "POST",
        "/api/tokens",
        Some(&serde_json::json!({"name": "gdal test"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let token = created.json()["token"].as_str().expect("token").to_string();
    let url = format!("OAPIF:http://{}/ogc", crate::common::serve(app).await);
    let out = tokio::task::spawn_blocking(move || {
        Command::new("ogrinfo")
            .args(["-ro", "-so", "-al", &url])
            .env("GDAL_HTTP_TIMEOUT", "60")
            .env(
                "GDAL_HTTP_HEADERS",
                format!("Authorization: Bearer {token}"),
            )
            .output()
            .expect("ogrinfo (Debian gdal-bin) must be installed: make test installs it")
    })
    .await
    .expect("ogrinfo thread");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ogrinfo failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts = feature_counts(&stdout);
    assert_eq!(counts.get("cameras"), Some(&1132), "{stdout}");
    assert_eq!(counts.get("recorders"), Some(&128), "{stdout}");
    assert_eq!(counts.get("wards"), Some(&4), "today's wards: {stdout}");
    for layer in ["streets", "schools", "clinics", "tourism"] {
        assert!(
            counts.get(layer).is_some_and(|&n| n >= 20),
            "{layer}: {stdout}"
        );
    }
    assert!(stdout.contains("Geometry: Point"), "{stdout}");
}

#[tokio::test]
async fn anonymous_gdal_sees_only_public_layers() {
    let app = app().await;
    let url = format!("OAPIF:http://{}/ogc", crate::common::serve(app).await);
    let out = tokio::task::spawn_blocking(move || {
        Command::new("ogrinfo")
            .args(["-ro", "-so", "-al", &url])
            .output()
    })
    .await
    .expect("ogrinfo thread")
    .expect("ogrinfo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let counts = feature_counts(&stdout);
    assert_eq!(counts.get("wards"), Some(&4), "today's wards: {stdout}");
    assert!(
        !counts.contains_key("cameras") && !counts.contains_key("recorders"),
        "{stdout}"
    );
}
