//! The import's rules, apart from HTTP and SQL: checking a commit (the layer id, access, coordinate
//! system, field mapping) against what the file holds, and turning each row into a feature's id and
//! typed properties, every bad row reported by number and reason. Pure and unit-tested here.

use std::collections::HashMap;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::error::ImportError;
use super::read::SourceRow;
use app::contract::imports::{DetectedField, ImportCommit, RowError, CRS_CHOICES, FIELD_TYPES};

/// The built-in OGC collections' ids, which no imported layer may take (the OGC catalogue's test
/// checks that every built-in collection is here; `ogc` uses this module, not the other way round).
pub const BUILT_IN_COLLECTIONS: &[&str] = &[
    "districts",
    "wards",
    "streets",
    "cameras",
    "recorders",
    "schools",
    "clinics",
    "tourism",
    "incidents",
];

/// SRID of VN-2000 / TM-3 105°45′ (Ho Chi Minh City), defined by migration 0010.
pub const VN2000_HCMC_SRID: i32 = 910_575;

/// The SRID of a coordinate system named as `CRS_CHOICES` names them.
pub fn srid_of_choice(name: &str) -> Option<i32> {
    match name {
        "EPSG:4326" => Some(4326),
        "EPSG:3857" => Some(3857),
        "EPSG:32648" => Some(32648),
        "VN2000-HCMC" => Some(VN2000_HCMC_SRID),
        _ => None,
    }
}

/// One field of the layer: where it comes from and what it becomes.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub from: String,
    pub to: String,
    pub ty: &'static str,
    pub required: bool,
}

/// A checked commit.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub layer: String,
    pub title_vi: String,
    pub title_en: String,
    pub access: &'static str,
    pub id_field: Option<String>,
    pub srid: i32,
    pub fields: Vec<Field>,
}

fn bad(field: &str, message: impl Into<String>) -> ImportError {
    ImportError::invalid(field, message)
}

/// A layer id: 2–40 of `a-z0-9-`, starting with a letter (it is a URL path segment and an OGC
/// collection id).
pub fn layer_id_ok(id: &str) -> bool {
    (2..=40).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn title(field: &str, given: Option<&String>, default: &str) -> Result<String, ImportError> {
    let t = given.map(|s| s.trim().to_string()).unwrap_or_default();
    if t.chars().count() > 120 {
        return Err(bad(field, format!("{field} is at most 120 characters")));
    }
    Ok(if t.is_empty() { default.to_string() } else { t })
}

/// Checks a commit against the file's fields; `file_srid` is what the file says of its coordinates,
/// `builtin` the built-in collection ids a layer may not take.
pub fn check_commit(
    c: &ImportCommit,
    detected: &[DetectedField],
    file_srid: Option<i32>,
    crs_guess: Option<&str>,
    builtin: &[&str],
) -> Result<Plan, ImportError> {
    if !layer_id_ok(&c.layer) {
        return Err(bad(
            "layer",
            format!(
                "layer must be 2–40 of a-z, 0-9 and -, starting with a letter, got {}",
                crate::error::shown(&c.layer)
            ),
        ));
    }
    if builtin.contains(&c.layer.as_str()) {
        return Err(ImportError::Conflict(format!(
            "{} is a built-in collection; choose another layer id",
            c.layer
        )));
    }
    let access = match c.access.as_deref().unwrap_or("staff") {
        "public" => "public",
        "staff" => "staff",
        other => {
            return Err(bad(
                "access",
                format!(
                    "access must be public or staff, got {}",
                    crate::error::shown(other)
                ),
            ))
        }
    };
    let srid = match (&c.crs, file_srid) {
        (Some(name), _) => srid_of_choice(name).ok_or_else(|| {
            let names: Vec<&str> = CRS_CHOICES.iter().map(|(n, _)| *n).collect();
            bad("crs", format!("crs must be one of {}, got {}", names.join(", "), crate::error::shown(name)))
        })?,
        (None, Some(srid)) => srid,
        (None, None) => crs_guess.and_then(srid_of_choice).ok_or_else(|| {
            bad(
                "crs",
                "the file does not say its coordinate system and its coordinates are not longitude/latitude: give crs",
            )
        })?,
    };
    let known = |name: &str| detected.iter().any(|f| f.name == name);
    if let Some(id) = &c.id_field {
        if !known(id) {
            return Err(bad(
                "id_field",
                format!("the file has no field {}", crate::error::shown(id)),
            ));
        }
    }
    let fields = match &c.fields {
        None => detected
            .iter()
            .map(|f| Field {
                from: f.name.clone(),
                to: f.name.clone(),
                ty: "text",
                required: false,
            })
            .collect(),
        Some(list) => {
            let mut out: Vec<Field> = Vec::new();
            for (i, m) in list.iter().enumerate() {
                let at = |what: &str| format!("fields[{i}].{what}");
                if !known(&m.from) {
                    return Err(bad(
                        &at("from"),
                        format!("the file has no field {}", crate::error::shown(&m.from)),
                    ));
                }
                let to = m.to.clone().unwrap_or_else(|| m.from.clone());
                if to.is_empty() || to.chars().count() > 60 || to == "id" || to == "layer" {
                    return Err(bad(
                        &at("to"),
                        "to must be 1–60 characters, not id or layer",
                    ));
                }
                if out.iter().any(|f| f.to == to) {
                    return Err(bad(&at("to"), format!("two fields are both named {to:?}")));
                }
                let t = m.r#type.as_deref().unwrap_or("text");
                let ty = FIELD_TYPES
                    .iter()
                    .copied()
                    .find(|k| *k == t)
                    .ok_or_else(|| {
                        bad(
                            &at("type"),
                            format!(
                                "type must be one of {}, got {}",
                                FIELD_TYPES.join(", "),
                                crate::error::shown(t)
                            ),
                        )
                    })?;
                out.push(Field {
                    from: m.from.clone(),
                    to,
                    ty,
                    required: m.required,
                });
            }
            out
        }
    };
    Ok(Plan {
        title_vi: title("title_vi", c.title_vi.as_ref(), &c.layer)?,
        title_en: title("title_en", c.title_en.as_ref(), &c.layer)?,
        layer: c.layer.clone(),
        access,
        id_field: c.id_field.clone(),
        srid,
        fields,
    })
}

/// `true`/`false` as people write them in files (English and Vietnamese).
pub fn boolean(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "có" | "co" => Some(true),
        "false" | "no" | "n" | "0" | "không" | "khong" => Some(false),
        _ => None,
    }
}

/// A calendar date `YYYY-MM-DD`.
pub fn date(s: &str) -> Option<String> {
    (s.len() == 10)
        .then(|| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
        .map(|d| d.to_string())
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn convert(v: &Value, ty: &str) -> Result<Value, String> {
    let s = text_of(v);
    let fail = || format!("{} is not {ty}", crate::error::shown(&s));
    Ok(match ty {
        // "23258.0" (a Shapefile's or a spreadsheet's whole number) is an integer too
        "integer" => Value::from(
            v.as_i64()
                .or_else(|| s.parse().ok())
                .or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
                        .map(|n| n as i64)
                })
                .ok_or_else(fail)?,
        ),
        "number" => {
            let n = v
                .as_f64()
                .or_else(|| s.parse().ok())
                .filter(|n: &f64| n.is_finite());
            serde_json::Number::from_f64(n.ok_or_else(fail)?)
                .map(Value::Number)
                .ok_or_else(fail)?
        }
        "boolean" => Value::Bool(v.as_bool().or_else(|| boolean(&s)).ok_or_else(fail)?),
        "date" => Value::String(date(&s).ok_or_else(fail)?),
        _ => Value::String(s),
    })
}

/// A feature made from a row: its id, typed properties, and its geometry as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Feature {
    pub row: usize,
    pub id: String,
    pub props: Map<String, Value>,
}

/// The digest id of a row with no id field: the same row gives the same id, so re-importing a file
/// updates its features in place.
fn digest_id(r: &SourceRow) -> String {
    let mut h = Sha256::new();
    let sorted: std::collections::BTreeMap<_, _> = r.values.iter().collect();
    h.update(serde_json::to_string(&sorted).unwrap_or_default());
    if let Some((_, g)) = &r.geometry {
        h.update(g.as_bytes());
    }
    let hex: String = h
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("r-{hex}")
}

/// Every row as a feature, or every reason rows are refused (ids, required fields, types; the
/// geometry is checked by PostGIS).
pub fn features(plan: &Plan, rows: &[SourceRow]) -> (Vec<Feature>, Vec<RowError>) {
    let mut out = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in rows {
        let err = |field: Option<&str>, reason: String| RowError {
            row: r.row,
            field: field.map(str::to_string),
            reason,
        };
        if let Some(p) = &r.problem {
            errors.push(err(None, p.clone()));
            continue;
        }
        if r.geometry.is_none() {
            errors.push(err(None, "the row has no geometry".into()));
        }
        let id = match &plan.id_field {
            Some(f) => {
                let id = r.values.get(f).map(text_of).unwrap_or_default();
                if id.is_empty() || id.chars().count() > 100 {
                    errors.push(err(
                        Some(f),
                        "the id is empty or over 100 characters".into(),
                    ));
                    continue;
                }
                id
            }
            None => digest_id(r),
        };
        if let Some(first) = seen.insert(id.clone(), r.row) {
            let reason = if plan.id_field.is_some() {
                format!("duplicate id {id:?}, also row {first}")
            } else {
                format!("the same values and geometry as row {first}")
            };
            errors.push(err(plan.id_field.as_deref(), reason));
            continue;
        }
        let mut props = Map::new();
        let mut ok = true;
        for f in &plan.fields {
            let v = r.values.get(&f.from).cloned().unwrap_or(Value::Null);
            if text_of(&v).is_empty() {
                if f.required {
                    errors.push(err(Some(&f.from), "a required field is empty".into()));
                    ok = false;
                }
                continue;
            }
            match convert(&v, f.ty) {
                Ok(v) => {
                    props.insert(f.to.clone(), v);
                }
                Err(reason) => {
                    errors.push(err(Some(&f.from), reason));
                    ok = false;
                }
            }
        }
        if ok {
            out.push(Feature {
                row: r.row,
                id,
                props,
            });
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imports::read;
    use app::contract::imports::FieldMapping;

    fn commit(v: Value) -> ImportCommit {
        serde_json::from_value(v).expect("commit shape")
    }

    fn csv_rows() -> Vec<SourceRow> {
        read::csv(b"code,name,lon,lat,seats\nA1,One,106.70,10.78,10\nA2,,106.71,10.77,x\nA1,Three,106.70,10.78,3\n")
            .expect("readable")
            .rows
    }

    #[test]
    fn a_commit_is_checked_field_by_field() {
        let rows = csv_rows();
        let detected = read::fields(&rows);
        let field_of = |v: Value| match check_commit(
            &commit(v),
            &detected,
            None,
            Some("EPSG:4326"),
            &["wards"],
        ) {
            Err(ImportError::Invalid { field, .. }) => field,
            Err(ImportError::Conflict(_)) => "conflict".into(),
            other => panic!("refused expected, got {other:?}"),
        };
        assert_eq!(field_of(json!({"layer": "Bus Stops"})), "layer");
        assert_eq!(field_of(json!({"layer": "wards"})), "conflict");
        assert_eq!(
            field_of(json!({"layer": "stops", "access": "world"})),
            "access"
        );
        assert_eq!(
            field_of(json!({"layer": "stops", "crs": "EPSG:9999"})),
            "crs"
        );
        assert_eq!(
            field_of(json!({"layer": "stops", "id_field": "nope"})),
            "id_field"
        );
        assert_eq!(
            field_of(json!({"layer": "stops", "fields": [{"from": "seats", "type": "float"}]})),
            "fields[0].type"
        );
        assert_eq!(
            field_of(
                json!({"layer": "stops", "fields": [{"from": "name"}, {"from": "code", "to": "name"}]})
            ),
            "fields[1].to"
        );
        let projected = check_commit(
            &commit(json!({"layer": "stops"})),
            &detected,
            None,
            None,
            &[],
        );
        assert!(matches!(projected, Err(ImportError::Invalid { field, .. }) if field == "crs"));
        let plan = check_commit(
            &commit(json!({"layer": "stops", "crs": "VN2000-HCMC"})),
            &detected,
            None,
            None,
            &[],
        )
        .expect("valid");
        assert_eq!(plan.srid, VN2000_HCMC_SRID);
        assert_eq!(plan.access, "staff");
    }

    #[test]
    fn bad_rows_are_reported_by_number_and_reason() {
        let rows = csv_rows();
        let detected = read::fields(&rows);
        let c = ImportCommit {
            layer: "stops".into(),
            id_field: Some("code".into()),
            fields: Some(vec![
                FieldMapping {
                    from: "name".into(),
                    to: None,
                    r#type: None,
                    required: true,
                },
                FieldMapping {
                    from: "seats".into(),
                    to: None,
                    r#type: Some("integer".into()),
                    required: false,
                },
            ]),
            ..ImportCommit::default()
        };
        let plan = check_commit(&c, &detected, Some(4326), None, &[]).expect("valid");
        let (ok, errors) = features(&plan, &rows);
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].props["seats"], 10);
        let got: Vec<(usize, Option<&str>)> =
            errors.iter().map(|e| (e.row, e.field.as_deref())).collect();
        assert_eq!(
            got,
            [(2, Some("name")), (2, Some("seats")), (3, Some("code"))]
        );
        assert!(
            errors[2].reason.contains("also row 1"),
            "{}",
            errors[2].reason
        );
    }

    #[test]
    fn rows_without_an_id_field_get_the_same_digest_each_time() {
        let rows = csv_rows();
        let plan = check_commit(
            &commit(json!({"layer": "stops"})),
            &read::fields(&rows),
            Some(4326),
            None,
            &[],
        )
        .expect("valid");
        let (a, _) = features(&plan, &rows);
        let (b, _) = features(&plan, &rows);
        assert_eq!(a, b);
        assert!(a[0].id.starts_with("r-"));
    }

    #[test]
    fn values_convert_or_say_why_not() {
        assert_eq!(convert(&json!("12"), "integer"), Ok(json!(12)));
        assert_eq!(convert(&json!("23258.0"), "integer"), Ok(json!(23258)));
        assert!(convert(&json!("1.5"), "integer").is_err());
        assert_eq!(convert(&json!("1.5"), "number"), Ok(json!(1.5)));
        assert_eq!(convert(&json!("có"), "boolean"), Ok(json!(true)));
        assert_eq!(
            convert(&json!("2025-07-01"), "date"),
            Ok(json!("2025-07-01"))
        );
        assert!(convert(&json!("2025-02-30"), "date").is_err());
        assert!(convert(&json!("NaN"), "number").is_err());
    }

    use serde_json::json;
}
