//! The catalogue of OGC collections: what each one is called and which SQL yields its features.
//!
//! Every source query yields `id text, geom geometry(…, 4326), props jsonb`; the items handler wraps it
//! with the bbox filter, paging and GeoJSON output, so adding a layer means adding one entry here and
//! one `.sql` file.

use std::borrow::Cow;

use crate::auth::policy::Access;

#[derive(Clone)]
pub struct Collection {
    pub id: Cow<'static, str>,
    /// Who may read it. Cameras, recorders and incidents are operational data and never reach the public.
    pub access: Access,
    /// What the `datetime` parameter filters on, if anything.
    pub time: Time,
    pub title: Cow<'static, str>,
    pub title_vi: Cow<'static, str>,
    pub description: Cow<'static, str>,
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

#[derive(Clone)]
pub enum Source {
    Sql(&'static str),
    /// Places of the given categories.
    Places(&'static [&'static str]),
    /// A layer an admin imported (`imports`).
    Layer(String),
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
            Source::Layer(ref id) => crate::imports::source_sql(id),
        }
    }
}

pub const COLLECTIONS: &[Collection] = &[
    Collection {
        id: Cow::Borrowed("districts"),
        access: Access::Public,
        time: Time::None,
        title: Cow::Borrowed("District"),
        title_vi: Cow::Borrowed("Quận"),
        description: Cow::Borrowed("District 1 outline, simplified from the government's boundary."),
        source: Source::Sql(include_str!("sql/districts.sql")),
    },
    Collection {
        id: Cow::Borrowed("wards"),
        access: Access::Public,
        time: Time::Validity,
        title: Cow::Borrowed("Wards"),
        title_vi: Cow::Borrowed("Phường"),
        description: Cow::Borrowed("The wards of District 1, each valid over a period: the ten of 2020 until \
                      30 June 2025, the four since 1 July 2025 (pass datetime for another time; \
                      the default is now). Official codes and 2019 population (estimated by \
                      area where a ward was split). Boundaries are approximations, not the \
                      official ones."),
        source: Source::Sql(include_str!("sql/wards.sql")),
    },
    Collection {
        id: Cow::Borrowed("streets"),
        access: Access::Public,
        time: Time::None,
        title: Cow::Borrowed("Streets"),
        title_vi: Cow::Borrowed("Đường phố"),
        description: Cow::Borrowed("Approximate centrelines of the main streets."),
        source: Source::Sql(include_str!("sql/streets.sql")),
    },
    Collection {
        id: Cow::Borrowed("cameras"),
        access: Access::Staff,
        time: Time::None,
        title: Cow::Borrowed("Cameras"),
        title_vi: Cow::Borrowed("Camera"),
        description: Cow::Borrowed("Security cameras: fixed, long-range (landmarks) and patrol-vehicle cameras."),
        source: Source::Sql(include_str!("sql/cameras.sql")),
    },
    Collection {
        id: Cow::Borrowed("recorders"),
        access: Access::Staff,
        time: Time::None,
        title: Cow::Borrowed("Recorders"),
        title_vi: Cow::Borrowed("Đầu ghi hình"),
        description: Cow::Borrowed("Network video recorders (NVRs) of the fixed and long-range cameras."),
        source: Source::Sql(include_str!("sql/recorders.sql")),
    },
    Collection {
        id: Cow::Borrowed("schools"),
        access: Access::Public,
        time: Time::None,
        title: Cow::Borrowed("Schools"),
        title_vi: Cow::Borrowed("Trường học"),
        description: Cow::Borrowed("Kindergartens, primary, secondary and high schools."),
        source: Source::Places(&["school"]),
    },
    Collection {
        id: Cow::Borrowed("clinics"),
        access: Access::Public,
        time: Time::None,
        title: Cow::Borrowed("Clinics and hospitals"),
        title_vi: Cow::Borrowed("Phòng khám và bệnh viện"),
        description: Cow::Borrowed("Hospitals, clinics and ward health stations."),
        source: Source::Places(&["clinic", "hospital"]),
    },
    Collection {
        id: Cow::Borrowed("tourism"),
        access: Access::Public,
        time: Time::None,
        title: Cow::Borrowed("Tourism"),
        title_vi: Cow::Borrowed("Du lịch"),
        description: Cow::Borrowed("Landmarks, museums, markets, parks and hotels that visitors look for."),
        source: Source::Places(&["tourism"]),
    },
    Collection {
        id: Cow::Borrowed("incidents"),
        access: Access::Staff,
        time: Time::Instant,
        title: Cow::Borrowed("Incidents"),
        title_vi: Cow::Borrowed("Sự cố"),
        description: Cow::Borrowed("Incidents reported to the operations center, with their current status; `datetime` filters by the time they were reported."),
        source: Source::Sql(include_str!("sql/incidents.sql")),
    },
];

/// A built-in collection.
pub fn find(id: &str) -> Option<&'static Collection> {
    COLLECTIONS.iter().find(|c| c.id == id)
}

/// An imported layer as a collection.
pub fn of_layer(l: &app::contract::imports::LayerInfo) -> Collection {
    Collection {
        id: Cow::Owned(l.id.clone()),
        access: if l.access == "public" {
            Access::Public
        } else {
            Access::Staff
        },
        time: Time::None,
        title: Cow::Owned(l.title_en.clone()),
        title_vi: Cow::Owned(l.title_vi.clone()),
        description: Cow::Owned(format!(
            "Imported by an admin from {} ({} features, last on {}).",
            l.source, l.features, l.updated_at
        )),
        source: Source::Layer(l.id.clone()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_imported_layer_may_take_a_built_in_id() {
        for c in super::COLLECTIONS {
            assert!(
                crate::imports::rules::BUILT_IN_COLLECTIONS.contains(&c.id.as_ref()),
                "{} is missing from imports::rules::BUILT_IN_COLLECTIONS",
                c.id
            );
        }
    }
}
