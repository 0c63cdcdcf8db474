//! The catalogue of OGC collections: what each one is called and which SQL yields its features.
//!
//! Every source query yields `id text, geom geometry(…, 4326), props jsonb`; the items handler wraps it
//! with the bbox filter, paging and GeoJSON output, so adding a layer means adding one entry here and
//! one `.sql` file.

use crate::auth::policy::Access;

pub struct Collection {
    pub id: &'static str,
    /// Who may read it. Cameras, recorders and incidents are operational data and never reach the public.
    pub access: Access,
    /// Whether the source has a time column `t`, filtered by the `datetime` parameter.
    pub temporal: bool,
    pub title: &'static str,
    pub title_vi: &'static str,
    pub description: &'static str,
    /// `SELECT id, geom, props FROM …`
    pub source: Source,
}

pub enum Source {
    Sql(&'static str),
    /// Places of the given categories.
    Places(&'static [&'static str]),
}

const PLACES_SQL: &str = include_str!("sql/places.sql");

impl Collection {
    pub fn source_sql(&self) -> String {
        match self.source {
            Source::Sql(sql) => sql.to_string(),
            Source::Places(categories) => {
                let list = categories
                    .iter()
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                PLACES_SQL.replace("{categories}", &list)
            }
        }
    }
}

pub const COLLECTIONS: &[Collection] = &[
    Collection {
        id: "districts",
        access: Access::Public,
        temporal: false,
        title: "District",
        title_vi: "Quận",
        description: "District 1 outline, simplified from the government's boundary.",
        source: Source::Sql(include_str!("sql/districts.sql")),
    },
    Collection {
        id: "wards",
        access: Access::Public,
        temporal: false,
        title: "Wards",
        title_vi: "Phường",
        description: "The 10 wards of District 1 (2020) with official codes and 2019 population. \
                      Boundaries are approximations, not the official ones.",
        source: Source::Sql(include_str!("sql/wards.sql")),
    },
    Collection {
        id: "streets",
        access: Access::Public,
        temporal: false,
        title: "Streets",
        title_vi: "Đường phố",
        description: "Approximate centrelines of the main streets.",
        source: Source::Sql(include_str!("sql/streets.sql")),
    },
    Collection {
        id: "cameras",
        access: Access::Staff,
        temporal: false,
        title: "Cameras",
        title_vi: "Camera",
        description: "Security cameras: fixed, long-range (landmarks) and patrol-vehicle cameras.",
        source: Source::Sql(include_str!("sql/cameras.sql")),
    },
    Collection {
        id: "recorders",
        access: Access::Staff,
        temporal: false,
        title: "Recorders",
        title_vi: "Đầu ghi hình",
        description: "Network video recorders (NVRs) of the fixed and long-range cameras.",
        source: Source::Sql(include_str!("sql/recorders.sql")),
    },
    Collection {
        id: "schools",
        access: Access::Public,
        temporal: false,
        title: "Schools",
        title_vi: "Trường học",
        description: "Kindergartens, primary, secondary and high schools.",
        source: Source::Places(&["school"]),
    },
    Collection {
        id: "clinics",
        access: Access::Public,
        temporal: false,
        title: "Clinics and hospitals",
        title_vi: "Phòng khám và bệnh viện",
        description: "Hospitals, clinics and ward health stations.",
        source: Source::Places(&["clinic", "hospital"]),
    },
    Collection {
        id: "tourism",
        access: Access::Public,
        temporal: false,
        title: "Tourism",
        title_vi: "Du lịch",
        description: "Landmarks, museums, markets, parks and hotels that visitors look for.",
        source: Source::Places(&["tourism"]),
    },
    Collection {
        id: "incidents",
        access: Access::Staff,
        temporal: true,
        title: "Incidents",
        title_vi: "Sự cố",
        description: "Incidents reported to the operations center, with their current status; `datetime` filters by the time they were reported.",
        source: Source::Sql(include_str!("sql/incidents.sql")),
    },
];

pub fn find(id: &str) -> Option<&'static Collection> {
    COLLECTIONS.iter().find(|c| c.id == id)
}
