//! Zipped Shapefiles and GeoPackages, read by GDAL's `ogr2ogr` (Debian's gdal-bin, which `make run`
//! installs): the file goes to a private temporary directory, GDAL writes it as GeoJSON in WGS 84
//! when the file says its coordinate system (a `.prj`, a GeoPackage's SRS) and as it is otherwise, and
//! `read::geojson` reads that. GDAL is a program others wrote for exactly this; we do not parse
//! Shapefiles ourselves.

use std::path::Path;
use std::time::Duration;

use tokio::process::Command;

use super::error::ImportError;
use super::read::{self, Parsed};

/// How long GDAL may take over one file.
const GDAL_TIME: Duration = Duration::from_secs(120);

/// The source name GDAL opens: a zip through `/vsizip/`, a GeoPackage as it is.
fn source(path: &Path, zipped: bool) -> String {
    if zipped {
        format!("/vsizip/{}", path.display())
    } else {
        path.display().to_string()
    }
}

async fn run(args: &[&str]) -> Result<std::process::Output, ImportError> {
    let child = Command::new("ogr2ogr")
        .args(args)
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(GDAL_TIME, child)
        .await
        .map_err(|_| ImportError::invalid("file", "GDAL took over two minutes over the file"))?
        .map_err(|e| ImportError::Gdal(e.to_string()))
}

/// The name of the coordinate system GDAL finds in the file, if any (`ogrinfo -so -al`).
async fn srs_name(src: &str) -> Option<String> {
    let out = Command::new("ogrinfo")
        .args(["-ro", "-so", "-al", src])
        .kill_on_drop(true)
        .output()
        .await
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let wkt = text.split("Layer SRS WKT:").nth(1)?.trim_start();
    if wkt.starts_with("(unknown)") {
        return None;
    }
    let name = wkt.split('"').nth(1)?;
    Some(name.to_string())
}

/// Reads a zipped Shapefile (`zipped`) or a GeoPackage.
pub async fn read(bytes: &[u8], zipped: bool) -> Result<Parsed, ImportError> {
    let dir = tempfile::tempdir().map_err(|e| ImportError::Gdal(e.to_string()))?;
    let path = dir
        .path()
        .join(if zipped { "upload.zip" } else { "upload.gpkg" });
    tokio::fs::write(&path, bytes)
        .await
        .map_err(|e| ImportError::Gdal(e.to_string()))?;
    let src = source(&path, zipped);
    let crs = srs_name(&src).await;
    let mut args = vec!["-f", "GeoJSON", "/vsistdout/", src.as_str()];
    if crs.is_some() {
        args.extend(["-t_srs", "EPSG:4326"]);
    }
    let out = run(&args).await?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        let why = why
            .lines()
            .find(|l| l.starts_with("ERROR"))
            .unwrap_or("no reason given");
        return Err(ImportError::invalid(
            "file",
            format!(
                "GDAL could not read the file: {}",
                why.chars().take(300).collect::<String>()
            ),
        ));
    }
    let mut parsed = read::geojson(&out.stdout)?;
    if let Some(name) = crs {
        parsed.srid = Some(4326);
        parsed.crs = Some(format!("{name} (GDAL transformed it to EPSG:4326)"));
    } else {
        parsed.srid = None;
        parsed.crs = None;
    }
    parsed.geometry = "geometry (read by GDAL)".into();
    Ok(parsed)
}
