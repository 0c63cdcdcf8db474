//! Cameras on the wire.

use serde::{Deserialize, Serialize};

use crate::model::Lang;

/// A camera's kind: fixed and long-range cameras record on a recorder; a patrol vehicle's does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CameraKind {
    Fixed,
    LongRange,
    Vehicle,
}

impl CameraKind {
    pub const ALL: &'static [CameraKind] = &[
        CameraKind::Fixed,
        CameraKind::LongRange,
        CameraKind::Vehicle,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CameraKind::Fixed => "fixed",
            CameraKind::LongRange => "long_range",
            CameraKind::Vehicle => "vehicle",
        }
    }

    /// The wire name; `long-range` is taken for `long_range`.
    pub fn parse(s: &str) -> Option<CameraKind> {
        match s.replace('-', "_").as_str() {
            "fixed" => Some(CameraKind::Fixed),
            "long_range" => Some(CameraKind::LongRange),
            "vehicle" => Some(CameraKind::Vehicle),
            _ => None,
        }
    }

    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            CameraKind::Fixed => lang.pick("Cố định", "Fixed"),
            CameraKind::LongRange => lang.pick("Tầm xa", "Long range"),
            CameraKind::Vehicle => lang.pick("Xe tuần tra", "Patrol vehicle"),
        }
    }
}

/// Whether the server can pull the camera's video now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CameraStatus {
    Online,
    Offline,
    /// Never tried since the server started watching it.
    Unknown,
}

/// What a camera feature's `properties` hold (the `camera_features` view writes them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CameraProperties {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub kind: CameraKind,
    pub status: CameraStatus,
    pub status_at: Option<String>,
    /// `null` for a patrol vehicle's camera.
    pub recorder: Option<String>,
    pub ward_code: Option<String>,
    /// Admins only: the stream URL with its secrets masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_url: Option<String>,
    /// `GET /api/cameras/nearest` only: metres from the point asked about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
}

/// A camera as a GeoJSON Feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Camera {
    pub r#type: String,
    pub id: String,
    pub geometry: crate::contract::geo::Point,
    pub properties: CameraProperties,
}

/// A list of cameras (nearest, offline).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CameraList {
    pub r#type: String,
    pub features: Vec<Camera>,
}

/// `POST /api/cameras` (all of it) and `PATCH /api/cameras/{id}` (a JSON merge-patch of it). `name`
/// sets both languages.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CameraInput {
    pub name: Option<String>,
    pub name_vi: Option<String>,
    pub name_en: Option<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<CameraKind>))]
    pub kind: Option<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<crate::contract::geo::Point>))]
    pub geometry: Option<serde_json::Value>,
    /// A recorder id (`nvr-NNN`); none for a vehicle camera.
    pub recorder: Option<String>,
    /// `rtsp://` or `rtsps://`; may hold credentials (stored, never shown).
    pub stream_url: Option<String>,
}
