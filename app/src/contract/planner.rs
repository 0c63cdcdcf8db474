//! The planner's area query on the wire (`docs/area-query.md` documents each field).

use serde::{Deserialize, Serialize};

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
    /// A ward's code (e.g. `26734`).
    pub ward: Option<String>,
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
