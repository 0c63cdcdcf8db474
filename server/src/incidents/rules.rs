//! What an incident may be and how it may change, apart from HTTP and SQL: the report's fields and
//! their limits, the lifecycle's steps (written once, in `app::live_types`, for the browser too), what
//! a step needs (dispatching needs a unit), and the list query's parameters. Pure, tested here.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};

use app::contract::incidents::{IncidentKind, IncidentStatus, Step};
pub use app::contract::incidents::{NewIncident, TransitionRequest as Transition};

use super::IncidentError;
use crate::error::shown;
use crate::geometry::{parse_bbox, point_of, Bbox};

/// Longest description or comment, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// A report that passed [`check_report`]: its position read, its description trimmed.
#[derive(Debug)]
pub struct Report<'a> {
    pub kind: IncidentKind,
    pub severity: i16,
    pub description: &'a str,
    pub position: [f64; 2],
}

/// Checks a report: a known kind, severity 1 to 4, a description of at most 2000 characters, a
/// GeoJSON Point. (Whether the point lies in the district is the store's question.)
pub fn check_report(body: &NewIncident) -> Result<Report<'_>, IncidentError> {
    let kind = IncidentKind::parse(&body.kind).ok_or_else(|| {
        IncidentError::invalid(
            "kind",
            format!(
                "unknown kind {}; kinds are {}",
                shown(&body.kind),
                IncidentKind::names()
            ),
        )
    })?;
    if !(1..=4).contains(&body.severity) {
        return Err(IncidentError::invalid(
            "severity",
            "severity must be 1 (minor) to 4 (critical)",
        ));
    }
    check_text("description", &body.description)?;
    Ok(Report {
        kind,
        severity: body.severity,
        description: body.description.trim(),
        position: point_of(&body.geometry)?,
    })
}

fn check_text(field: &'static str, text: &str) -> Result<(), IncidentError> {
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(IncidentError::invalid(
            field,
            format!("{field} must have at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Checks a step before anything is read: a status one can move to, a comment within its limit.
pub fn check_transition(body: &Transition) -> Result<Step, IncidentError> {
    let step = Step::parse(&body.to).ok_or_else(|| {
        IncidentError::invalid("to", format!("to must be one of {}", Step::names()))
    })?;
    check_text("comment", &body.comment)?;
    Ok(step)
}

/// The status an incident that is `current` reaches with `step`: 409 when the lifecycle does not
/// allow it, 400 when dispatching names no response unit.
pub fn next_status(
    current: IncidentStatus,
    step: Step,
    unit: Option<&str>,
) -> Result<IncidentStatus, IncidentError> {
    let next = current.after(step).ok_or(IncidentError::NotAllowed {
        from: current,
        step,
    })?;
    if next == IncidentStatus::Dispatched && unit.is_none() {
        return Err(IncidentError::UnitNeeded);
    }
    Ok(next)
}

/// `GET /api/incidents?status=&bbox=&updated_after=&limit=&offset=`, checked.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub statuses: Option<Vec<String>>,
    pub bbox: Option<Bbox>,
    pub updated_after: Option<DateTime<FixedOffset>>,
    pub limit: i64,
    pub offset: i64,
}

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

impl ListQuery {
    pub fn parse(q: &HashMap<String, String>) -> Result<Self, IncidentError> {
        let statuses = q
            .get("status")
            .map(|s| s.split(',').map(str::to_string).collect::<Vec<_>>());
        if let Some(bad) = statuses
            .iter()
            .flatten()
            .find(|s| IncidentStatus::parse(s).is_none())
        {
            return Err(IncidentError::invalid(
                "status",
                format!("unknown status {bad:?}"),
            ));
        }
        let bbox = q.get("bbox").map(|b| parse_bbox(b)).transpose()?;
        let updated_after = q
            .get("updated_after")
            .map(|s| {
                DateTime::parse_from_rfc3339(s).map_err(|_| {
                    IncidentError::invalid(
                        "updated_after",
                        "updated_after must be an RFC 3339 time",
                    )
                })
            })
            .transpose()?;
        let num = |k: &'static str, d: i64, max: i64| -> Result<i64, IncidentError> {
            q.get(k).map_or(Ok(d), |s| {
                s.parse::<i64>()
                    .ok()
                    .filter(|n| (0..=max).contains(n))
                    .ok_or_else(|| {
                        IncidentError::invalid(
                            k,
                            format!("{k} must be a whole number from 0 to {max}"),
                        )
                    })
            })
        };
        Ok(ListQuery {
            statuses,
            bbox,
            updated_after,
            limit: num("limit", DEFAULT_LIMIT, MAX_LIMIT)?,
            offset: num("offset", 0, i64::MAX)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Refusal;
    use serde_json::{json, Value};

    fn report(v: Value) -> NewIncident {
        serde_json::from_value(v).expect("a report body")
    }

    #[test]
    fn a_report_names_the_field_it_fails_on() {
        let point = json!({"type": "Point", "coordinates": [106.7, 10.776]});
        let ok = report(
            json!({"kind": "fire", "severity": 3, "description": "  smoke  ", "geometry": point}),
        );
        let r = check_report(&ok).expect("valid");
        assert_eq!(
            (r.kind, r.severity, r.description),
            (IncidentKind::Fire, 3, "smoke")
        );
        for (field, body) in [
            (
                "kind",
                json!({"kind": "alien", "severity": 3, "geometry": point}),
            ),
            (
                "severity",
                json!({"kind": "fire", "severity": 5, "geometry": point}),
            ),
            (
                "description",
                json!({"kind": "fire", "severity": 1, "description": "x".repeat(2001), "geometry": point}),
            ),
            (
                "geometry",
                json!({"kind": "fire", "severity": 1, "geometry": {"type": "Point", "coordinates": [0]}}),
            ),
        ] {
            let err = check_report(&report(body)).expect_err("refused");
            assert_eq!(err.field(), Some(field));
        }
    }

    #[test]
    fn the_lifecycle_allows_only_its_steps() {
        use IncidentStatus as S;
        assert_eq!(
            next_status(S::New, Step::Acknowledged, None).ok(),
            Some(S::Acknowledged)
        );
        let err = next_status(S::New, Step::Resolved, Some("u1")).expect_err("409");
        assert_eq!((err.status().as_u16(), err.field()), (409, Some("to")));
        let err = next_status(S::Acknowledged, Step::Dispatched, None).expect_err("400");
        assert_eq!((err.status().as_u16(), err.field()), (400, Some("unit")));
        let teleport = Transition {
            to: "teleported".into(),
            comment: String::new(),
            unit: None,
        };
        assert_eq!(
            check_transition(&teleport).expect_err("400").field(),
            Some("to")
        );
    }

    #[test]
    fn list_parameters_are_checked() {
        let q = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let d = ListQuery::parse(&q(&[])).expect("defaults");
        assert_eq!((d.limit, d.offset, d.statuses), (DEFAULT_LIMIT, 0, None));
        for (k, v) in [
            ("status", "lost"),
            ("limit", "1001"),
            ("offset", "-1"),
            ("updated_after", "noon"),
            ("bbox", "1,2"),
        ] {
            let err = ListQuery::parse(&q(&[(k, v)])).expect_err("refused");
            assert_eq!(err.field(), Some(k), "{k}={v}");
        }
    }
}
