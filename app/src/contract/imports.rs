//! Layers from files on the wire (`docs/imports.md`): an admin uploads a file, reads its preview,
//! chooses the target layer and the field mapping, and commits; every row lands or none does.

use serde::{Deserialize, Serialize};

/// The coordinate systems a file may be in. Files that say theirs (a GeoJSON `crs`, a Shapefile's
/// `.prj`, a GeoPackage) are read in it; otherwise the admin names it.
pub const CRS_CHOICES: &[(&str, &str)] = &[
    ("EPSG:4326", "WGS 84 longitude/latitude (GPS, GeoJSON)"),
    ("EPSG:3857", "Web Mercator (web maps)"),
    ("EPSG:32648", "WGS 84 / UTM zone 48N"),
    (
        "VN2000-HCMC",
        "VN-2000 / TM-3, central meridian 105°45′ (Ho Chi Minh City)",
    ),
];

/// The field types a mapping may convert to.
pub const FIELD_TYPES: &[&str] = &["text", "integer", "number", "boolean", "date"];

/// A field found in the file, with the type its values look like and a few of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DetectedField {
    pub name: String,
    /// `integer`, `number`, `boolean`, `date` or `text`: the narrowest that fits every value.
    pub r#type: String,
    /// Rows with no value.
    pub empty: usize,
    pub samples: Vec<String>,
}

/// One row of the preview: its number in the file (1 = the first feature or data line), its values
/// and its geometry type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreviewRow {
    pub row: usize,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub values: serde_json::Map<String, serde_json::Value>,
    pub geometry_type: Option<String>,
}

/// `POST /api/imports` answers with what the file holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportPreview {
    pub id: String,
    pub filename: String,
    /// `geojson`, `csv`, `shapefile` or `geopackage`.
    pub format: String,
    pub rows: usize,
    pub fields: Vec<DetectedField>,
    /// Where the geometry comes from: `geometry` (GeoJSON, GDAL), `lon/lat columns X, Y`, `WKT column X`.
    pub geometry: String,
    /// The coordinate system the file says it is in, if it says.
    pub crs: Option<String>,
    /// What the coordinates look like when the file does not say: `EPSG:4326` when every one is a
    /// longitude/latitude near the district, else none (the admin must choose).
    pub crs_guess: Option<String>,
    pub first_rows: Vec<PreviewRow>,
}

/// One field of the target layer: which source field it comes from, as what type, and whether every
/// row must have it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FieldMapping {
    pub from: String,
    /// The field's name in the layer (default: the source name).
    pub to: Option<String>,
    /// One of `FIELD_TYPES` (default `text`).
    pub r#type: Option<String>,
    #[serde(default)]
    pub required: bool,
}

/// `POST /api/imports/{id}/commit`: where the rows go and how.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportCommit {
    /// The layer's id: 2–40 of `a-z`, `0-9`, `-`, starting with a letter; a new layer or one made by
    /// an earlier import (never a built-in collection).
    pub layer: String,
    pub title_vi: Option<String>,
    pub title_en: Option<String>,
    /// `public` (everyone, the tourist map too) or `staff` (signed-in staff only).
    pub access: Option<String>,
    /// The source field whose value is each feature's stable id; without one, the id is a digest of
    /// the row, so re-importing the same file changes nothing.
    pub id_field: Option<String>,
    /// The file's coordinate system when it does not say (one of `CRS_CHOICES`).
    pub crs: Option<String>,
    /// The fields the layer keeps; none: every field, as text.
    pub fields: Option<Vec<FieldMapping>>,
}

/// A row refused, by its number in the file, with the field at fault (if one) and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RowError {
    pub row: usize,
    pub field: Option<String>,
    pub reason: String,
}

/// 422 of a commit: nothing was written; every bad row is listed (the first 1,000).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportRejected {
    /// `invalid_rows`
    pub error: String,
    pub message: String,
    pub rows: Vec<RowError>,
}

/// 200 of a commit: every row landed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportResult {
    pub layer: LayerInfo,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Features of an earlier import that this file no longer holds, removed.
    pub removed: usize,
}

/// An imported layer, as the map and the OGC API show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LayerInfo {
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
    /// `public` or `staff`.
    pub access: String,
    /// `point`, `line`, `polygon` or `mixed`.
    pub geometry: String,
    pub features: i64,
    pub updated_at: String,
    /// The file it was last imported from.
    pub source: String,
}

/// `GET /api/layers`: the imported layers the caller may see.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Layers {
    pub layers: Vec<LayerInfo>,
}
