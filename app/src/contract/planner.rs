//! The planner's area query on the wire (`docs/area-query.md` documents each field).

use serde::{Deserialize, Serialize};

use crate::contract::incidents::{IncidentKind, IncidentStatus};

/// The layers an area query counts and lists, in the order the planner shows them.
pub const AREA_LAYERS: &[&str] = &[
    "cameras",
    "recorders",
    "schools",
    "clinics",
    "tourism",
    "incidents",
];

/// `POST /api/area-query` and its export: where (a ward, a polygon, or a circle), when, which layers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AreaQuery {
    /// A ward's code (e.g. `26734`): the ward of that code valid on `on`.
    pub ward: Option<String>,
    /// `YYYY-MM-DD`: the day whose boundaries are used (the ward asked for, and the ward each feature
    /// is assigned to). Default: the last day of the time range (`to`, in district time), so a
    /// question about 2024 is answered with the 2024 wards.
    pub on: Option<String>,
    /// A GeoJSON Polygon or MultiPolygon.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<crate::contract::geo::Geometry>))]
    pub geometry: Option<serde_json::Value>,
    /// `[lon, lat]` of a circle's centre, with `radius_m`.
    pub center: Option<[f64; 2]>,
    pub radius_m: Option<f64>,
    /// RFC 3339: incidents reported from, to.
    pub from: Option<String>,
    pub to: Option<String>,
    pub layers: Option<Vec<String>>,
    pub coverage_distance_m: Option<f64>,
    /// `hour` or `day`.
    pub histogram: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// What kind of area was asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AreaKind {
    Ward,
    Polygon,
    Circle,
}

/// The area the answer is about, with its geometry so a client can draw what was queried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AreaSummary {
    pub kind: AreaKind,
    /// A ward's code and names (`kind` ward).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_vi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// A circle's centre `[lon, lat]` and radius (`kind` circle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center: Option<[f64; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_m: Option<f64>,
    pub area_km2: f64,
    /// `YYYY-MM-DD`: the day whose boundaries the answer used (absent in exports saved before
    /// boundaries had dates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundaries_on: Option<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = crate::contract::geo::Geometry))]
    pub geometry: serde_json::Value,
}

/// The time range the incident figures cover (RFC 3339).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimeRange {
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KindCount {
    pub kind: IncidentKind,
    pub count: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatusCount {
    pub status: IncidentStatus,
    pub count: i64,
}

/// One time bin: its start in Ho Chi Minh City time (`+07:00`) and the incidents reported in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Bin {
    pub start: String,
    pub count: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Histogram {
    /// `hour`, `day`, `week` or `month`.
    pub bin: String,
    pub time_zone: String,
    /// Every bin of the range, empty ones included.
    pub bins: Vec<Bin>,
}

/// The incidents reported in the area and time range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentFigures {
    pub total: i64,
    /// Most first.
    pub by_kind: Vec<KindCount>,
    pub by_status: Vec<StatusCount>,
    pub histogram: Histogram,
}

/// A school or clinic with no camera within the coverage distance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Uncovered {
    pub id: String,
    pub category: String,
    pub name_vi: String,
    pub name_en: String,
    /// Whole metres to the nearest camera; `null` when there is no camera at all.
    pub nearest_camera_m: Option<i64>,
}

/// Camera coverage of the schools, clinics and hospitals in the area.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Coverage {
    /// How many such places the area has.
    pub places: i64,
    /// Farthest from a camera first.
    pub uncovered: Vec<Uncovered>,
    #[serde(default)]
    pub distance_m: f64,
}

/// One page of the features inside the area (the layers in name order, then by id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AreaFeatures {
    #[cfg_attr(feature = "ssr", schema(example = "FeatureCollection"))]
    pub r#type: String,
    pub number_matched: i64,
    pub number_returned: usize,
    pub limit: i64,
    pub offset: i64,
    /// Each with `layer`, `id`, names and `kind` among its properties.
    pub features: Vec<crate::contract::geo::Feature>,
}

/// The answer of `POST /api/area-query`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AreaAnswer {
    pub area: AreaSummary,
    pub time_range: TimeRange,
    /// Features per layer (every layer of [`AREA_LAYERS`]).
    pub counts: std::collections::BTreeMap<String, i64>,
    pub incidents: IncidentFigures,
    pub coverage: Coverage,
    pub features: AreaFeatures,
}

/// A saved export: an area query's file kept in the district's file store, so that any planner can
/// download it again later, through any node (`/api/area-query/exports`). The area's names are
/// copied when it is saved: the file shows the wards as they were then, whatever boundaries change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SavedExport {
    pub id: String,
    /// `geojson` or `csv`.
    pub format: String,
    pub area: AreaKind,
    /// A ward's code and names (`area` ward).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_vi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// The features in the file, and its size in bytes.
    pub features: i64,
    pub bytes: i64,
    /// Who saved it (their display name); `null` once that account is deleted.
    pub saved_by: Option<String>,
    /// Whether the caller saved it (and so may delete it, as an admin may any).
    pub yours: bool,
    /// RFC 3339: when it was saved, and when it will be deleted.
    pub saved_at: String,
    pub expires_at: String,
    /// Where to download it (`GET`).
    pub href: String,
}

/// `GET /api/area-query/exports`: the saved exports, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SavedExports {
    pub exports: Vec<SavedExport>,
}
