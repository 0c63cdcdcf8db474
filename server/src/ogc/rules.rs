//! The OGC rules: parsing and checking the query parameters (paging, bbox, datetime, format) and
//! whether a collection can be filtered by time. Pure, apart from HTTP and SQL, so tested directly.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::collections::{Collection, Time};
use super::error::OgcError;
use crate::geometry::{parse_bbox, Bbox};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct ItemsQuery {
    pub bbox: Option<Bbox>,
    /// Already clamped to `MAX_LIMIT`, as OGC API – Features asks.
    pub limit: i64,
    pub offset: i64,
}

impl ItemsQuery {
    pub fn parse(q: &HashMap<String, String>) -> Result<Self, OgcError> {
        check_format(q)?;
        let bbox = q.get("bbox").map(|s| parse_bbox(s)).transpose()?;
        let limit = match q.get("limit") {
            None => DEFAULT_LIMIT,
            Some(s) => {
                let n: i64 = s.trim().parse().map_err(|_| {
                    OgcError::invalid("limit", format!("limit must be a whole number, got {s:?}"))
                })?;
                if n < 1 {
                    return Err(OgcError::invalid(
                        "limit",
                        format!("limit must be at least 1, got {n}"),
                    ));
                }
                n.min(MAX_LIMIT)
            }
        };
        let offset = match q.get("offset") {
            None => 0,
            Some(s) => {
                let n: i64 = s.trim().parse().map_err(|_| {
                    OgcError::invalid(
                        "offset",
                        format!("offset must be a whole number, got {s:?}"),
                    )
                })?;
                if n < 0 {
                    return Err(OgcError::invalid(
                        "offset",
                        format!("offset must be 0 or more, got {n}"),
                    ));
                }
                n
            }
        };
        Ok(Self {
            bbox,
            limit,
            offset,
        })
    }
}

/// Only JSON encodings are offered; `f` may ask for them explicitly.
pub fn check_format(q: &HashMap<String, String>) -> Result<(), OgcError> {
    match q.get("f").map(String::as_str) {
        None | Some("json" | "geojson" | "application/json" | "application/geo+json") => Ok(()),
        Some(other) => Err(OgcError::invalid(
            "f",
            format!("unsupported format {other:?}: use f=json"),
        )),
    }
}

/// A closed time range; `None` is an open end.
pub type TimeRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A time instant or interval as OGC API – Features takes it: `2026-11-27T08:00:00Z`,
/// `2026-11-01T00:00:00Z/2026-11-30T00:00:00Z`, `../2026-11-30T00:00:00Z`, `2026-11-01T00:00:00Z/..`.
pub fn parse_datetime(s: &str) -> Result<TimeRange, OgcError> {
    let one = |p: &str| -> Result<Option<DateTime<Utc>>, OgcError> {
        match p.trim() {
            "" | ".." => Ok(None),
            t => DateTime::parse_from_rfc3339(t)
                .map(|d| Some(d.with_timezone(&Utc)))
                .map_err(|_| {
                    OgcError::invalid(
                        "datetime",
                        format!("datetime must be RFC 3339 times or '..', got {t:?}"),
                    )
                }),
        }
    };
    match s.split_once('/') {
        None => {
            let t =
                one(s)?.ok_or_else(|| OgcError::invalid("datetime", "datetime needs a time"))?;
            Ok((Some(t), Some(t)))
        }
        Some((a, b)) => {
            let (a, b) = (one(a)?, one(b)?);
            if let (Some(x), Some(y)) = (a, b) {
                if x > y {
                    return Err(OgcError::invalid(
                        "datetime",
                        "datetime interval ends before it starts",
                    ));
                }
            }
            Ok((a, b))
        }
    }
}

/// The `datetime` filter of an items request: the range asked, which only a collection with time can
/// take; without one, nothing for features with an instant, and `now` for features valid over a
/// period (the wards of today).
pub fn time_filter(
    c: &Collection,
    datetime: Option<&String>,
    now: DateTime<Utc>,
) -> Result<TimeRange, OgcError> {
    match datetime {
        None if c.time == Time::Validity => Ok((Some(now), Some(now))),
        None => Ok((None, None)),
        Some(_) if c.time == Time::None => Err(OgcError::invalid(
            "datetime",
            format!("collection {:?} has no time", c.id),
        )),
        Some(d) => parse_datetime(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_when_nothing_is_given() {
        let p = ItemsQuery::parse(&q(&[])).expect("empty query is valid");
        assert_eq!(
            p,
            ItemsQuery {
                bbox: None,
                limit: 100,
                offset: 0
            }
        );
    }

    #[test]
    fn a_limit_over_the_maximum_is_clamped_not_refused() {
        let p = ItemsQuery::parse(&q(&[("limit", "50000")])).expect("large limit is valid");
        assert_eq!(p.limit, 10_000);
    }

    #[test]
    fn bad_limits_and_offsets_name_their_field() {
        for (k, v) in [
            ("limit", "-5"),
            ("limit", "0"),
            ("limit", "ten"),
            ("offset", "-1"),
            ("offset", "1.5"),
        ] {
            let err =
                ApiError::from(ItemsQuery::parse(&q(&[(k, v)])).expect_err("must be refused"));
            assert_eq!(err.field.as_deref(), Some(k), "{k}={v}");
            assert_eq!(err.status, 400);
        }
    }

    #[test]
    fn datetime_instants_and_intervals() {
        let (a, b) = parse_datetime("2026-11-01T00:00:00Z/..").expect("open interval");
        assert!(a.is_some() && b.is_none());
        let (a, b) = parse_datetime("2026-11-27T08:00:00+07:00").expect("instant");
        assert_eq!(a, b);
        for bad in ["yesterday", "2026-12-01T00:00:00Z/2026-11-01T00:00:00Z", ""] {
            assert_eq!(
                ApiError::from(parse_datetime(bad).expect_err(bad))
                    .field
                    .as_deref(),
                Some("datetime")
            );
        }
    }

    #[test]
    fn only_json_formats_are_offered() {
        assert!(check_format(&q(&[("f", "json")])).is_ok());
        assert_eq!(
            ApiError::from(check_format(&q(&[("f", "html")])).expect_err("html"))
                .field
                .as_deref(),
            Some("f")
        );
    }
}
