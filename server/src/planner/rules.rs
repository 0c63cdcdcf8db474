//! The area query's rules: parsing and checking the request, apart from HTTP and SQL so it is tested
//! directly.
//! Every refusal names the field at fault.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde_json::Value;

use super::error::PlannerError;

pub const MAX_VERTICES: usize = 10_000;
pub const MAX_LIMIT: i64 = 1_000;
/// The largest offset a page may start at (far beyond any area's features; keeps offset + limit in
/// range).
pub const MAX_OFFSET: i64 = 100_000_000;
pub use app::contract::planner::AREA_LAYERS as LAYERS;

/// The request body as sent: the contract's type (`docs/area-query.md` documents it).
pub use app::contract::planner::AreaQuery as AreaQueryBody;

/// Where to look.
#[derive(Debug, Clone, PartialEq)]
pub enum Area {
    Ward(String),
    /// A checked GeoJSON Polygon or MultiPolygon (lon/lat), as text for PostGIS.
    Geometry(String),
    Circle {
        lon: f64,
        lat: f64,
        radius_m: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Hour,
    Day,
    Week,
    Month,
}

impl Bucket {
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Hour => "hour",
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AreaQuery {
    pub area: Area,
    /// The day whose boundaries a ward is, and whose wards the features are assigned to.
    pub on: NaiveDate,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub layers: Vec<String>,
    pub coverage_distance_m: f64,
    pub bucket: Bucket,
    pub limit: i64,
    pub offset: i64,
}

fn bad(field: &str, msg: impl Into<String>) -> PlannerError {
    PlannerError::invalid(field, msg)
}

fn parse_time(field: &str, s: &str) -> Result<DateTime<Utc>, PlannerError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            bad(
                field,
                format!("{field} must be an RFC 3339 time such as 2026-11-27T08:00:00+07:00 ({e})"),
            )
        })
}

/// The district's calendar day at `t` (Ho Chi Minh City is UTC+7 all year): a question about a time
/// range is answered with the boundaries valid on its last day.
pub fn district_day(t: DateTime<Utc>) -> NaiveDate {
    let hcmc = FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset");
    t.with_timezone(&hcmc).date_naive()
}

fn parse_day(field: &str, s: &str) -> Result<NaiveDate, PlannerError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|_| s.len() == 10)
        .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            bad(
                field,
                format!(
                    "{field} must be a date such as 2024-06-30, got {}",
                    crate::error::shown(s)
                ),
            )
        })
}

impl AreaQuery {
    /// Checks the body; `now` is passed in so defaults are testable.
    pub fn from_body(b: AreaQueryBody, now: DateTime<Utc>) -> Result<Self, PlannerError> {
        let given = [b.ward.is_some(), b.geometry.is_some(), b.center.is_some()];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(bad(
                "ward",
                "give exactly one of ward, geometry, or center with radius_m",
            ));
        }
        let area = if let Some(w) = b.ward {
            if w.is_empty() || w.len() > 10 || !w.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad(
                    "ward",
                    format!(
                        "ward must be an official ward code such as 26740, got {}",
                        crate::error::shown(&w)
                    ),
                ));
            }
            Area::Ward(w)
        } else if let Some(g) = b.geometry {
            check_geometry(&g)?;
            Area::Geometry(g.to_string())
        } else {
            let [lon, lat] = b.center.unwrap_or_default();
            if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
                return Err(bad(
                    "center",
                    "center must be [lon, lat] within -180..180, -90..90",
                ));
            }
            let r = b
                .radius_m
                .ok_or_else(|| bad("radius_m", "radius_m is required with center"))?;
            if !(1.0..=10_000.0).contains(&r) {
                return Err(bad("radius_m", "radius_m must be from 1 to 10000 metres"));
            }
            Area::Circle {
                lon,
                lat,
                radius_m: r,
            }
        };
        let to = match &b.to {
            Some(s) => parse_time("to", s)?,
            None => now,
        };
        let from = match &b.from {
            Some(s) => parse_time("from", s)?,
            None => to - Duration::days(30),
        };
        if from > to {
            return Err(bad("from", "from is after to"));
        }
        let on = match &b.on {
            Some(s) => parse_day("on", s)?,
            None => district_day(to),
        };
        let layers = match b.layers {
            None => LAYERS.iter().map(ToString::to_string).collect(),
            Some(ls) => {
                if let Some(bad_layer) = ls.iter().find(|l| !LAYERS.contains(&l.as_str())) {
                    return Err(bad(
                        "layers",
                        format!(
                            "unknown layer {}; layers are {}",
                            crate::error::shown(bad_layer),
                            LAYERS.join(", ")
                        ),
                    ));
                }
                ls
            }
        };
        let coverage_distance_m = b.coverage_distance_m.unwrap_or(100.0);
        if !(1.0..=5_000.0).contains(&coverage_distance_m) {
            return Err(bad(
                "coverage_distance_m",
                "coverage_distance_m must be from 1 to 5000 metres",
            ));
        }
        let span = to - from;
        let bucket = match b.histogram.as_deref() {
            None if span <= Duration::days(2) => Bucket::Hour,
            None if span <= Duration::days(92) => Bucket::Day,
            None if span <= Duration::days(731) => Bucket::Week,
            None => Bucket::Month,
            Some("hour") => Bucket::Hour,
            Some("day") => Bucket::Day,
            Some("week") => Bucket::Week,
            Some("month") => Bucket::Month,
            Some(other) => {
                return Err(bad(
                    "histogram",
                    format!(
                        "histogram must be hour, day, week or month, got {}",
                        crate::error::shown(other)
                    ),
                ))
            }
        };
        if bucket == Bucket::Hour && span > Duration::days(31) {
            return Err(bad("histogram", "hourly bins are limited to 31 days"));
        }
        let limit = b.limit.unwrap_or(100);
        if !(0..=MAX_LIMIT).contains(&limit) {
            return Err(bad("limit", format!("limit must be from 0 to {MAX_LIMIT}")));
        }
        let offset = b.offset.unwrap_or(0);
        if !(0..=MAX_OFFSET).contains(&offset) {
            return Err(bad(
                "offset",
                format!("offset must be from 0 to {MAX_OFFSET}"),
            ));
        }
        Ok(Self {
            area,
            on,
            from,
            to,
            layers,
            coverage_distance_m,
            bucket,
            limit,
            offset,
        })
    }
}

/// A GeoJSON Polygon or MultiPolygon with closed rings of in-range positions, at most MAX_VERTICES.
/// (Self-intersection is checked by PostGIS, which says where.)
pub fn check_geometry(g: &Value) -> Result<(), PlannerError> {
    let kind = g.get("type").and_then(Value::as_str).unwrap_or("(none)");
    let coords = g
        .get("coordinates")
        .ok_or_else(|| bad("geometry.coordinates", "geometry has no coordinates"))?;
    let polygons: Vec<&Value> = match kind {
        "Polygon" => vec![coords],
        "MultiPolygon" => coords
            .as_array()
            .ok_or_else(|| {
                bad(
                    "geometry.coordinates",
                    "MultiPolygon coordinates must be an array of polygons",
                )
            })?
            .iter()
            .collect(),
        other => {
            return Err(bad(
                "geometry.type",
                format!("geometry must be a GeoJSON Polygon or MultiPolygon, got {other}"),
            ))
        }
    };
    if polygons.is_empty() {
        return Err(bad("geometry.coordinates", "MultiPolygon has no polygons"));
    }
    let mut vertices = 0usize;
    for (pi, poly) in polygons.iter().enumerate() {
        let rings = poly.as_array().filter(|r| !r.is_empty()).ok_or_else(|| {
            bad(
                "geometry.coordinates",
                format!("polygon {pi} must be a non-empty array of rings"),
            )
        })?;
        for (ri, ring) in rings.iter().enumerate() {
            let pts = ring.as_array().ok_or_else(|| {
                bad(
                    "geometry.coordinates",
                    format!("polygon {pi} ring {ri} must be an array of positions"),
                )
            })?;
            vertices += pts.len();
            if vertices > MAX_VERTICES {
                return Err(bad(
                    "geometry.coordinates",
                    format!("geometry has more than {MAX_VERTICES} vertices"),
                ));
            }
            if pts.len() < 4 {
                return Err(bad(
                    "geometry.coordinates",
                    format!(
                        "polygon {pi} ring {ri} has {} positions; a ring needs at least 4",
                        pts.len()
                    ),
                ));
            }
            let mut parsed = Vec::with_capacity(pts.len());
            for (i, p) in pts.iter().enumerate() {
                let nums: Option<Vec<f64>> = p
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_f64).collect());
                let pos = match nums {
                    Some(n)
                        if (2..=3).contains(&n.len())
                            && p.as_array().is_some_and(|a| a.len() == n.len()) =>
                    {
                        n
                    }
                    _ => {
                        return Err(bad(
                            "geometry.coordinates",
                            format!(
                                "polygon {pi} ring {ri} position {i} must be [lon, lat] numbers"
                            ),
                        ))
                    }
                };
                let (lon, lat) = (pos[0], pos[1]);
                if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
                    return Err(bad(
                        "geometry.coordinates",
                        format!("polygon {pi} ring {ri} position {i} [{lon}, {lat}] is out of range (lon -180..180, lat -90..90)"),
                    ));
                }
                parsed.push((lon, lat));
            }
            if parsed.first() != parsed.last() {
                return Err(bad(
                    "geometry.coordinates",
                    format!(
                        "polygon {pi} ring {ri} is not closed: its first and last positions differ"
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> AreaQueryBody {
        serde_json::from_value(v).expect("body shape")
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-27T00:00:00Z")
            .expect("time")
            .with_timezone(&Utc)
    }

    fn field_of(v: Value) -> String {
        match AreaQuery::from_body(body(v), now()).expect_err("must be refused") {
            PlannerError::Invalid { field, .. } => field,
            other => panic!("not a refusal of a field: {other}"),
        }
    }

    const SQUARE: [[f64; 2]; 5] = [
        [106.69, 10.77],
        [106.70, 10.77],
        [106.70, 10.78],
        [106.69, 10.78],
        [106.69, 10.77],
    ];

    #[test]
    fn an_offset_past_any_page_is_refused_not_overflowed() {
        // offset + limit overflowed i64 and the request panicked (connection reset)
        assert_eq!(
            field_of(json!({"ward": "26740", "offset": i64::MAX})),
            "offset"
        );
        assert_eq!(
            field_of(json!({"ward": "26740", "offset": MAX_OFFSET + 1})),
            "offset"
        );
        let q = AreaQuery::from_body(body(json!({"ward": "26740", "offset": MAX_OFFSET})), now())
            .expect("the largest offset");
        assert_eq!(q.offset, MAX_OFFSET);
    }

    #[test]
    fn a_ward_with_defaults() {
        let q = AreaQuery::from_body(body(json!({"ward": "26740"})), now()).expect("valid");
        assert_eq!(q.area, Area::Ward("26740".into()));
        assert_eq!(q.to - q.from, Duration::days(30));
        assert_eq!(q.bucket, Bucket::Day);
        assert_eq!(q.layers.len(), LAYERS.len());
        assert_eq!(q.coverage_distance_m, 100.0);
        assert_eq!(q.on, district_day(now()));
    }

    #[test]
    fn the_boundaries_default_to_the_last_day_of_the_range_in_district_time() {
        // 2024-06-30T20:00Z is already 1 July 03:00 in Ho Chi Minh City
        let q = AreaQuery::from_body(
            body(json!({"ward": "26737", "from": "2024-01-01T00:00:00Z", "to": "2024-06-30T20:00:00Z"})),
            now(),
        )
        .expect("valid");
        assert_eq!(q.on, NaiveDate::from_ymd_opt(2024, 7, 1).expect("a date"));
        let q = AreaQuery::from_body(body(json!({"ward": "26737", "on": "2024-06-30"})), now())
            .expect("valid");
        assert_eq!(q.on, NaiveDate::from_ymd_opt(2024, 6, 30).expect("a date"));
        for on in ["2024-6-30", "yesterday", "2024-02-30", "0001-01-01"] {
            assert_eq!(field_of(json!({"ward": "26737", "on": on})), "on", "{on}");
        }
    }

    #[test]
    fn polygons_are_checked() {
        assert!(check_geometry(&json!({"type": "Polygon", "coordinates": [SQUARE]})).is_ok());
        assert!(
            check_geometry(&json!({"type": "MultiPolygon", "coordinates": [[SQUARE]]})).is_ok()
        );
        let unclosed = &SQUARE[..4];
        let cases = [
            (
                json!({"type": "Point", "coordinates": [106.7, 10.7]}),
                "geometry.type",
                "Point",
            ),
            (
                json!({"type": "Polygon", "coordinates": [unclosed]}),
                "geometry.coordinates",
                "positions",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[106.69, 10.77], [106.70, 10.77], [106.70, 10.78], [106.69, 10.78], [106.691, 10.77]]]}),
                "geometry.coordinates",
                "not closed",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[206.0, 10.0], [106.7, 10.0], [106.7, 10.1], [206.0, 10.0]]]}),
                "geometry.coordinates",
                "out of range",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[["a", 10.0], [106.7, 10.0], [106.7, 10.1], ["a", 10.0]]]}),
                "geometry.coordinates",
                "numbers",
            ),
            (
                json!({"type": "Polygon"}),
                "geometry.coordinates",
                "no coordinates",
            ),
        ];
        for (g, field, words) in cases {
            let e = crate::error::ApiError::from(check_geometry(&g).expect_err("refused"));
            assert_eq!(e.field.as_deref(), Some(field), "{g}");
            assert!(
                e.message.contains(words),
                "{} should say {words}",
                e.message
            );
        }
        let mut big: Vec<[f64; 2]> = (0..10_001)
            .map(|i| [106.69 + f64::from(i) * 1e-7, 10.77])
            .collect();
        big.push(big[0]);
        let e = crate::error::ApiError::from(
            check_geometry(&json!({"type": "Polygon", "coordinates": [big]}))
                .expect_err("too many"),
        );
        assert!(e.message.contains("10000"), "{}", e.message);
    }

    #[test]
    fn other_fields_are_checked() {
        assert_eq!(field_of(json!({})), "ward");
        assert_eq!(
            field_of(json!({"ward": "26740", "geometry": {"type": "Polygon"}})),
            "ward"
        );
        assert_eq!(field_of(json!({"ward": "x'; drop"})), "ward");
        assert_eq!(
            field_of(json!({"ward": "26740", "from": "yesterday"})),
            "from"
        );
        assert_eq!(
            field_of(
                json!({"ward": "26740", "from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"})
            ),
            "from"
        );
        assert_eq!(
            field_of(json!({"ward": "26740", "layers": ["cameras", "secrets"]})),
            "layers"
        );
        assert_eq!(
            field_of(json!({"ward": "26740", "coverage_distance_m": 0})),
            "coverage_distance_m"
        );
        assert_eq!(
            field_of(json!({"ward": "26740", "histogram": "year"})),
            "histogram"
        );
        assert_eq!(field_of(json!({"ward": "26740", "limit": 5000})), "limit");
        assert_eq!(field_of(json!({"center": [106.7, 10.77]})), "radius_m");
        assert_eq!(
            field_of(json!({"center": [306.7, 10.77], "radius_m": 500})),
            "center"
        );
    }
}
