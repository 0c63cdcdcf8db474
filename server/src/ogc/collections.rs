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
    /// What the `datetime` parameter filters on, if anything.
    pub time: Time,
    pub title: &'static str,
    pub title_vi: &'static str,
    pub description: &'static str,
    /// `SELECT id, geom, props FROM …`
    pub source: Source,
}

/// How a collection's features relate to time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Time {
    /// Timeless: `datetime` is refused.
    None,
    /// Each feature has an instant, the source's column `t`; `datetime` keeps those within it.
    Instant,
    /// Each feature is valid over a period, the source's columns `valid_from` and `valid_to`
    /// (exclusive; NULL: still valid). `datetime` keeps the features valid at some time within it;
    /// without it, the features valid now.
    Validity,
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
        time: Time::None,
        title: "District",
        title_vi: "Quận",
        description: "District 1 outline, simplified from the government's boundary.",
        source: Source::Sql(include_str!("sql/districts.sql")),
    },
    Collection {
        id: "wards",
        access: Access::Public,
        time: Time::Validity,
        title: "Wards",
        title_vi: "Phường",
        description: "The wards of District 1, each valid over a period: the ten of 2020 until \
                      30 June 2025, the four since 1 July 2025 (pass datetime for another time; \
                      the default is now). Official codes and 2019 population (estimated by \
                      area where a ward was split). Boundaries are approximations, not the \
                      official ones.",
        source: Source::Sql(include_str!("sql/wards.sql")),
    },
    Collection {
        id: "streets",
        access: Access::Public,
        time: Time::None,
        title: "Streets",
        title_vi: "Đường phố",
        description: "Approximate centrelines of the main streets.",
        source: Source::Sql(include_str!("sql/streets.sql")),
    },
    Collection {
        id: "cameras",
        access: Access::Staff,
        time: Time::None,
        title: "Cameras",
        title_vi: "Camera",
        description: "Security cameras: fixed, long-range (landmarks) and patrol-vehicle cameras.",
        source: Source::Sql(include_str!("sql/cameras.sql")),
    },
    Collection {
        id: "recorders",
        access: Access::Staff,
        time: Time::None,
        title: "Recorders",
        title_vi: "Đầu ghi hình",
        description: "Network video recorders (NVRs) of the fixed and long-range cameras.",
        source: Source::Sql(include_str!("sql/recorders.sql")),
    },
    Collection {
        id: "schools",
        access: Access::Public,
        time: Time::None,
        title: "Schools",
        title_vi: "Trường học",
        description: "Kindergartens, primary, secondary and high schools.",
        source: Source::Places(&["school"]),
    },
    Collection {
        id: "clinics",
        access: Access::Public,
        time: Time::None,
        title: "Clinics and hospitals",
        title_vi: "Phòng khám và bệnh viện",
        description: "Hospitals, clinics and ward health stations.",
        source: Source::Places(&["clinic", "hospital"]),
    },
    Collection {
        id: "tourism",
        access: Access::Public,
        time: Time::None,
        title: "Tourism",
        title_vi: "Du lịch",
        description: "Landmarks, museums, markets, parks and hotels that visitors look for.",
        source: Source::Places(&["tourism"]),
    },
    Collection {
        id: "incidents",
        access: Access::Staff,
        time: Time::Instant,
        title: "Incidents",
        title_vi: "Sự cố",
        description: "Incidents reported to the operations center, with their current status; `datetime` filters by the time they were reported.",
        source: Source::Sql(include_str!("sql/incidents.sql")),
    },
];

pub fn find(id: &str) -> Option<&'static Collection> {
    COLLECTIONS.iter().find(|c| c.id == id)
}
