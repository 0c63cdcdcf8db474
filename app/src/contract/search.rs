//! The public map's lookups on the wire: places found by name, and the notices valid now.

use serde::{Deserialize, Serialize};

use crate::contract::geo::Point;
use crate::model::Lang;

/// What a public place is; the search finds the first four (the public map's layers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlaceCategory {
    Tourism,
    School,
    Clinic,
    Hospital,
    FireStation,
    Police,
    PublicService,
    Other,
}

impl PlaceCategory {
    /// The public categories, in the order the search looks in them.
    pub const SEARCHED: &'static [PlaceCategory] = &[
        PlaceCategory::Tourism,
        PlaceCategory::School,
        PlaceCategory::Clinic,
        PlaceCategory::Hospital,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceCategory::Tourism => "tourism",
            PlaceCategory::School => "school",
            PlaceCategory::Clinic => "clinic",
            PlaceCategory::Hospital => "hospital",
            PlaceCategory::FireStation => "fire_station",
            PlaceCategory::Police => "police",
            PlaceCategory::PublicService => "public_service",
            PlaceCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<PlaceCategory> {
        [
            PlaceCategory::Tourism,
            PlaceCategory::School,
            PlaceCategory::Clinic,
            PlaceCategory::Hospital,
            PlaceCategory::FireStation,
            PlaceCategory::Police,
            PlaceCategory::PublicService,
            PlaceCategory::Other,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// A place the search found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlaceProperties {
    pub id: String,
    pub category: PlaceCategory,
    pub name_vi: String,
    pub name_en: String,
    pub address: Option<String>,
    pub ward_code: Option<String>,
    /// How well the name matched, 0 to 1 (trigram word similarity).
    pub score: f64,
}

impl PlaceProperties {
    /// The name in `lang`, then the other one (the list shows both).
    pub fn names(&self, lang: Lang) -> (&str, &str) {
        match lang {
            Lang::Vi => (&self.name_vi, &self.name_en),
            Lang::En => (&self.name_en, &self.name_vi),
        }
    }
}

/// A found place as a GeoJSON Feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Place {
    #[cfg_attr(feature = "ssr", schema(example = "Feature"))]
    pub r#type: String,
    pub id: String,
    pub geometry: Point,
    pub properties: PlaceProperties,
}

/// `GET /api/search`: best match first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    #[cfg_attr(feature = "ssr", schema(example = "FeatureCollection"))]
    pub r#type: String,
    pub number_returned: usize,
    pub features: Vec<Place>,
}

impl SearchResults {
    pub fn new(features: Vec<Place>) -> SearchResults {
        SearchResults {
            r#type: "FeatureCollection".into(),
            number_returned: features.len(),
            features,
        }
    }
}

/// A public notice (closures, events, advisories).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Notice {
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
    pub body_vi: String,
    pub body_en: String,
    /// RFC 3339.
    pub valid_from: String,
    pub valid_to: Option<String>,
    /// Where it applies, when it is about one place.
    pub geometry: Option<Point>,
}

impl Notice {
    /// Title and body in `lang`.
    pub fn text(&self, lang: Lang) -> (&str, &str) {
        match lang {
            Lang::Vi => (&self.title_vi, &self.body_vi),
            Lang::En => (&self.title_en, &self.body_en),
        }
    }
}

/// `GET /api/notices`: the notices valid now, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Notices {
    pub notices: Vec<Notice>,
}
