//! Layers from files (issue #13, `docs/imports.md`): an admin uploads a GeoJSON, CSV, zipped
//! Shapefile or GeoPackage (`POST /api/imports`), reads its preview (fields, types, first rows, the
//! coordinate system), and commits it to a layer with a field mapping
//! (`POST /api/imports/{id}/commit`): every row lands or none does, each bad row reported by number and
//! reason. The layer is then an OGC collection and a map layer, public or for staff
//! (`GET /api/layers`); re-importing the same file updates it in place.
//!
//! `http` reads requests and answers; `read` turns bytes into rows (GeoJSON, CSV), `gdal` has GDAL
//! do it for Shapefiles and GeoPackages; `rules` checks the commit and converts rows (pure);
//! `store` keeps uploads and writes layers in `sql/`; `error` is what can go wrong.

pub mod error;
pub mod gdal;
pub mod http;
pub mod read;
pub mod rules;
pub mod store;

pub use error::ImportError;
pub use http::router;

/// The OGC source query of an imported layer (the id is checked by `rules::layer_id_ok` and by the
/// table's own check, so it is safe inside the literal).
pub fn source_sql(layer: &str) -> String {
    debug_assert!(rules::layer_id_ok(layer));
    format!(
        "SELECT feature_id AS id, geom, props FROM layer_features WHERE layer_id = '{}'",
        layer.replace('\'', "")
    )
}
