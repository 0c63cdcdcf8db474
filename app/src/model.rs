//! Types shared by the server and the browser: languages, map configuration, layer catalogue.

use serde::{Deserialize, Serialize};

/// The operator screens are Vietnamese first, with English available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
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

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Like `pick`, for owned strings.
    pub fn pick_owned(self, vi: String, en: String) -> String {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
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
        id: "incidents",
        title_vi: "Sự cố",
        title_en: "Incidents",
        color: "#e03131",
        layers: &["incidents-points"],
    },
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
    "incidents-points",
    "cameras-clusters",
    "cameras-points",
    "recorders-points",
    "schools-points",
    "clinics-points",
    "tourism-points",
    "streets-line",
    "wards-fill",
];

/// The three kinds of staff user. Anonymous visitors are the public and have no role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Operator,
    Planner,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Planner => "planner",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "operator" => Some(Role::Operator),
            "planner" => Some(Role::Planner),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            Role::Operator => lang.pick("Điều hành viên", "Operator"),
            Role::Planner => lang.pick("Quy hoạch", "Planner"),
            Role::Admin => lang.pick("Quản trị", "Admin"),
        }
    }
}

/// The signed-in user as pages see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl SessionUser {
    pub fn can_operate(&self) -> bool {
        matches!(self.role, Role::Operator | Role::Admin)
    }
    pub fn can_plan(&self) -> bool {
        matches!(self.role, Role::Planner | Role::Admin)
    }
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// What the server knows about the visitor when it renders a page: who is signed in and which
/// language they asked for. The server writes it into the page (`<script id="ioc-session">`) so the
/// browser hydrates with exactly the same values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PageSession {
    pub user: Option<SessionUser>,
    pub lang: Lang,
}

/// Picks vi or en from an Accept-Language header; Vietnamese unless English is preferred.
pub fn lang_from_accept_language(header: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = if tag == "vi" || tag.starts_with("vi-") {
            Lang::Vi
        } else if tag == "en" || tag.starts_with("en-") {
            Lang::En
        } else {
            continue;
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(lang_from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            lang_from_accept_language("fr-FR,en;q=0.5,vi;q=0.8"),
            Lang::Vi
        );
        assert_eq!(lang_from_accept_language("de"), Lang::Vi);
        assert_eq!(lang_from_accept_language(""), Lang::Vi);
    }
}
