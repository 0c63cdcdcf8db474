//! The GeoJSON shapes the API speaks (RFC 7946), described for OpenAPI. Coordinates are WGS 84
//! `[lon, lat]`.

use serde::{Deserialize, Serialize};

/// A GeoJSON Point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Point {
    #[cfg_attr(feature = "ssr", schema(example = "Point"))]
    pub r#type: String,
    /// `[lon, lat]`, or `[lon, lat, height]` (the height is ignored).
    #[cfg_attr(feature = "ssr", schema(min_items = 2, max_items = 3, example = json!([106.699, 10.7798])))]
    pub coordinates: Vec<f64>,
}

/// Any GeoJSON geometry (a ward's polygon, a street's line, a point).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Geometry {
    pub r#type: String,
    /// Nested arrays of `[lon, lat]` positions, as deep as the type needs.
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<serde_json::Value>))]
    pub coordinates: serde_json::Value,
}

/// A GeoJSON Feature whose properties depend on its layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Feature {
    #[cfg_attr(feature = "ssr", schema(example = "Feature"))]
    pub r#type: String,
    pub id: String,
    /// `null` for a deleted feature on the live layer.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub geometry: serde_json::Value,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub properties: serde_json::Value,
}

/// A GeoJSON FeatureCollection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FeatureCollection {
    #[cfg_attr(feature = "ssr", schema(example = "FeatureCollection"))]
    pub r#type: String,
    pub features: Vec<Feature>,
}
