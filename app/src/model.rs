//! Types shared by the server and the browser: languages, map configuration, layer catalogue.

use serde::{Deserialize, Serialize};

/// The operator screens are Vietnamese first, with English available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The feature property holding the name in this language.
    pub fn name_field(self) -> &'static str {
        match self {
            Lang::Vi => "name_vi",
            Lang::En => "name_en",
        }
    }

    pub fn pick(self, vi: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// What the browser needs from the server's configuration to draw the map (`GET /api/map-config`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MapConfig {
    /// A MapLibre style URL drawn under the district layers; `None` draws a plain background.
    pub basemap_style_url: Option<String>,
}

/// A group of map layers that the layer panel switches on and off together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerGroup {
    pub id: &'static str,
    pub title_vi: &'static str,
    pub title_en: &'static str,
    /// Legend colour (CSS) shown beside the switch.
    pub color: &'static str,
    /// MapLibre layer ids in this group.
    pub layers: &'static [&'static str],
}

/// The operator map's layer groups, top of the panel first.
pub const LAYER_GROUPS: &[LayerGroup] = &[
    LayerGroup {
        id: "cameras",
        title_vi: "Camera",
        title_en: "Cameras",
        color: "#d6336c",
        layers: &[
            "cameras-clusters",
            "cameras-cluster-count",
            "cameras-points",
        ],
    },
    LayerGroup {
        id: "recorders",
        title_vi: "Đầu ghi hình",
        title_en: "Recorders",
        color: "#495057",
        layers: &["recorders-points"],
    },
    LayerGroup {
        id: "schools",
        title_vi: "Trường học",
        title_en: "Schools",
        color: "#1c7ed6",
        layers: &["schools-points", "schools-labels"],
    },
    LayerGroup {
        id: "clinics",
        title_vi: "Y tế",
        title_en: "Clinics & hospitals",
        color: "#e03131",
        layers: &["clinics-points", "clinics-labels"],
    },
    LayerGroup {
        id: "tourism",
        title_vi: "Du lịch",
        title_en: "Tourism",
        color: "#f08c00",
        layers: &["tourism-points", "tourism-labels"],
    },
    LayerGroup {
        id: "streets",
        title_vi: "Đường phố",
        title_en: "Streets",
        color: "#868e96",
        layers: &["streets-line", "streets-labels"],
    },
    LayerGroup {
        id: "wards",
        title_vi: "Phường",
        title_en: "Wards",
        color: "#5f3dc4",
        layers: &["wards-fill", "wards-line", "wards-labels"],
    },
];

/// Layers whose features open the details panel when clicked, topmost first.
pub const CLICKABLE_LAYERS: &[&str] = &[
    "cameras-clusters",
    "cameras-points",
    "recorders-points",
    "schools-points",
    "clinics-points",
    "tourism-points",
    "streets-line",
    "wards-fill",
];
