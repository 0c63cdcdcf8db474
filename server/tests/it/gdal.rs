//! Interoperability: GDAL's OGC API – Features driver (`ogrinfo`, Debian gdal-bin) reads every layer.

use std::collections::HashMap;
use std::process::Command;

use crate::common::app;

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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let url = format!("OAPIF:http://{addr}/ogc");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("ogrinfo")
            .args(["-ro", "-so", "-al", &url])
            .env("GDAL_HTTP_TIMEOUT", "60")
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
    assert_eq!(counts.get("wards"), Some(&10), "{stdout}");
    for layer in ["streets", "schools", "clinics", "tourism"] {
        assert!(
            counts.get(layer).is_some_and(|&n| n >= 20),
            "{layer}: {stdout}"
        );
    }
    assert!(stdout.contains("Geometry: Point"), "{stdout}");
}
