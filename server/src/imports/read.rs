//! Reading an uploaded file into rows: GeoJSON and CSV here, in Rust (so a bad row is reported by its
//! number and reason); zipped Shapefiles and GeoPackages through GDAL (`gdal.rs`), whose GeoJSON
//! output is read by the same code. Pure: bytes in, rows out.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::ImportError;
use app::contract::imports::{DetectedField, PreviewRow};

/// Most rows a file may hold (a layer is for the map, not a data warehouse).
pub const MAX_ROWS: usize = 100_000;
/// Most fields a row may have.
pub const MAX_FIELDS: usize = 200;

/// How a row's geometry is written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GeometryKind {
    /// A GeoJSON geometry object, as text.
    GeoJson,
    /// Well-known text.
    Wkt,
    /// "x y" from two columns.
    LonLat,
}

impl GeometryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GeometryKind::GeoJson => "geojson",
            GeometryKind::Wkt => "wkt",
            GeometryKind::LonLat => "lonlat",
        }
    }
}

/// One row as read: its number in the file (1-based), its values, its geometry (if it has one) and,
/// when the row could not be read as a whole, why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceRow {
    pub row: usize,
    pub values: Map<String, Value>,
    pub geometry: Option<(GeometryKind, String)>,
    pub problem: Option<String>,
}

/// A file read: its rows, where their geometry comes from, and the coordinate system it declares.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub rows: Vec<SourceRow>,
    pub geometry: String,
    /// The SRID the file declares (a GeoJSON `crs` member; GDAL output is always 4326).
    pub srid: Option<i32>,
    pub crs: Option<String>,
}

fn bad(message: impl Into<String>) -> ImportError {
    ImportError::invalid("file", message)
}

/// The SRID of a GeoJSON `crs` name (`urn:ogc:def:crs:EPSG::32648`, `EPSG:3857`, CRS84).
pub fn srid_of_crs_name(name: &str) -> Option<i32> {
    if name.ends_with("CRS84") || name.ends_with("crs84") {
        return Some(4326);
    }
    let code = name.rsplit([':', '/']).next()?;
    code.parse().ok()
}

/// A GeoJSON FeatureCollection (or a single Feature).
pub fn geojson(bytes: &[u8]) -> Result<Parsed, ImportError> {
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("the file is not JSON: {e}")))?;
    let features = match doc["type"].as_str() {
        Some("FeatureCollection") => doc["features"]
            .as_array()
            .cloned()
            .ok_or_else(|| bad("a FeatureCollection needs a features array"))?,
        Some("Feature") => vec![doc.clone()],
        _ => return Err(bad("GeoJSON must be a FeatureCollection or a Feature")),
    };
    if features.len() > MAX_ROWS {
        return Err(bad(format!(
            "the file has {} features; at most {MAX_ROWS}",
            features.len()
        )));
    }
    let crs_name = doc["crs"]["properties"]["name"]
        .as_str()
        .map(str::to_string);
    let srid = match &crs_name {
        None => None,
        Some(n) => Some(
            srid_of_crs_name(n)
                .ok_or_else(|| bad(format!("the file's crs {n:?} is not one this server knows")))?,
        ),
    };
    let rows = features
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let mut values = match f.get("properties") {
                Some(Value::Object(m)) => m.clone(),
                _ => Map::new(),
            };
            if let Some(id) = f.get("id").filter(|v| !v.is_null()) {
                values.entry("id").or_insert_with(|| id.clone());
            }
            let problem = (values.len() > MAX_FIELDS)
                .then(|| format!("the feature has more than {MAX_FIELDS} properties"));
            let geometry = f
                .get("geometry")
                .filter(|g| g.is_object())
                .map(|g| (GeometryKind::GeoJson, g.to_string()));
            SourceRow {
                row: i + 1,
                values,
                geometry,
                problem,
            }
        })
        .collect();
    Ok(Parsed {
        rows,
        geometry: "geometry".into(),
        srid,
        crs: crs_name,
    })
}

const LON_NAMES: &[&str] = &["lon", "lng", "long", "longitude", "x"];
const LAT_NAMES: &[&str] = &["lat", "latitude", "y"];
const WKT_NAMES: &[&str] = &["wkt", "geometry", "geom", "the_geom", "wkt_geom", "shape"];

fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
}

/// A CSV file with a header line: the geometry in lon/lat columns (`lon`/`lat`, `x`/`y`, …) or in a
/// WKT column (`wkt`, `geometry`, …). Comma or semicolon separated, UTF-8 (a BOM is skipped).
pub fn csv(bytes: &[u8]) -> Result<Parsed, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.iter().filter(|b| **b == b';').count()
        > first_line.iter().filter(|b| **b == b',').count()
    {
        b';'
    } else {
        b','
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(format!("the header line is not readable CSV: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    if headers.len() > MAX_FIELDS {
        return Err(bad(format!(
            "the file has {} columns; at most {MAX_FIELDS}",
            headers.len()
        )));
    }
    let lonlat = column(&headers, LON_NAMES).zip(column(&headers, LAT_NAMES));
    let wkt = column(&headers, WKT_NAMES);
    let geometry = match (lonlat, wkt) {
        (Some((x, y)), _) => format!("lon/lat columns {}, {}", headers[x], headers[y]),
        (None, Some(w)) => format!("WKT column {}", headers[w]),
        (None, None) => {
            return Err(bad(
                "no geometry columns: name them lon and lat (or longitude/latitude, x/y), or give a WKT column (wkt, geometry)",
            ))
        }
    };
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if rows.len() == MAX_ROWS {
            return Err(bad(format!("the file has more than {MAX_ROWS} rows")));
        }
        let row = i + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                rows.push(SourceRow {
                    row,
                    values: Map::new(),
                    geometry: None,
                    problem: Some(format!("the line is not readable CSV: {e}")),
                });
                continue;
            }
        };
        let problem = (record.len() != headers.len()).then(|| {
            format!(
                "the line has {} fields and the header {}",
                record.len(),
                headers.len()
            )
        });
        let cell = |i: usize| record.get(i).unwrap_or_default().trim().to_string();
        let values: Map<String, Value> = headers
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != wkt || lonlat.is_some())
            .map(|(i, h)| (h.clone(), Value::String(cell(i))))
            .collect();
        let geometry = match (lonlat, wkt) {
            (Some((x, y)), _) => {
                let (x, y) = (cell(x), cell(y));
                (!x.is_empty() || !y.is_empty()).then(|| (GeometryKind::LonLat, format!("{x} {y}")))
            }
            (None, Some(w)) => Some(cell(w))
                .filter(|s| !s.is_empty())
                .map(|s| (GeometryKind::Wkt, s)),
            (None, None) => None,
        };
        rows.push(SourceRow {
            row,
            values,
            geometry,
            problem,
        });
    }
    Ok(Parsed {
        rows,
        geometry,
        srid: None,
        crs: None,
    })
}

/// The narrowest type every non-empty value of a field fits.
fn type_of(values: &[&Value]) -> &'static str {
    let text = |v: &Value| match v {
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    };
    let all = |f: &dyn Fn(&Value) -> bool| !values.is_empty() && values.iter().all(|v| f(v));
    if all(&|v| v.is_i64() || text(v).parse::<i64>().is_ok()) {
        "integer"
    } else if all(&|v| v.is_number() || text(v).parse::<f64>().is_ok_and(f64::is_finite)) {
        "number"
    } else if all(&|v| v.is_boolean() || super::rules::boolean(&text(v)).is_some()) {
        "boolean"
    } else if all(&|v| super::rules::date(&text(v)).is_some()) {
        "date"
    } else {
        "text"
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// The fields of the rows, in the order first seen, with their types, empties and samples.
pub fn fields(rows: &[SourceRow]) -> Vec<DetectedField> {
    let mut names: Vec<String> = Vec::new();
    for r in rows {
        for k in r.values.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    names
        .into_iter()
        .map(|name| {
            let present: Vec<&Value> = rows
                .iter()
                .filter_map(|r| r.values.get(&name))
                .filter(|v| !is_empty(v))
                .collect();
            let mut samples: Vec<String> = Vec::new();
            for v in &present {
                let s = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if !samples.contains(&s) {
                    samples.push(s.chars().take(80).collect());
                }
                if samples.len() == 3 {
                    break;
                }
            }
            DetectedField {
                r#type: type_of(&present).to_string(),
                empty: rows.len() - present.len(),
                samples,
                name,
            }
        })
        .collect()
}

/// The first rows, for the preview.
pub fn first_rows(rows: &[SourceRow], n: usize) -> Vec<PreviewRow> {
    rows.iter()
        .take(n)
        .map(|r| PreviewRow {
            row: r.row,
            values: r.values.clone(),
            geometry_type: r.geometry.as_ref().map(|(kind, text)| match kind {
                GeometryKind::GeoJson => serde_json::from_str::<Value>(text)
                    .ok()
                    .and_then(|g| g["type"].as_str().map(str::to_string))
                    .unwrap_or_else(|| "unknown".into()),
                GeometryKind::Wkt => text
                    .split(|c: char| c == '(' || c.is_whitespace())
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                GeometryKind::LonLat => "Point".into(),
            }),
        })
        .collect()
}

/// When the file does not say its coordinate system: WGS 84 if every coordinate seen is a
/// longitude/latitude near the district (within a degree), else nothing (the admin must say).
pub fn guess_crs(rows: &[SourceRow]) -> Option<String> {
    let mut seen = false;
    for r in rows {
        let Some((kind, text)) = &r.geometry else {
            continue;
        };
        let numbers: Vec<f64> = match kind {
            GeometryKind::LonLat | GeometryKind::Wkt => text
                .split(|c: char| {
                    !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e' || c == 'E')
                })
                .filter_map(|s| s.parse().ok())
                .collect(),
            GeometryKind::GeoJson => serde_json::from_str::<Value>(text)
                .map(|g| flatten(&g["coordinates"]))
                .unwrap_or_default(),
        };
        for pair in numbers.chunks_exact(2) {
            seen = true;
            if (pair[0] - 106.7).abs() > 1.0 || (pair[1] - 10.78).abs() > 1.0 {
                return None;
            }
        }
    }
    seen.then(|| "EPSG:4326".to_string())
}

fn flatten(v: &Value) -> Vec<f64> {
    match v {
        Value::Number(n) => n.as_f64().into_iter().collect(),
        Value::Array(a) => a.iter().flat_map(flatten).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_lon_lat_and_a_short_line() {
        let p = csv("name;lon;lat;seats\nA;106.70;10.78;12\nB;106.71;10.77\n".as_bytes())
            .expect("readable");
        assert_eq!(p.geometry, "lon/lat columns lon, lat");
        assert_eq!(p.rows.len(), 2);
        assert_eq!(
            p.rows[0].geometry,
            Some((GeometryKind::LonLat, "106.70 10.78".into()))
        );
        assert!(p.rows[1]
            .problem
            .as_deref()
            .unwrap_or_default()
            .contains("3 fields"));
        let f = fields(&p.rows);
        assert_eq!(
            f.iter()
                .find(|f| f.name == "seats")
                .map(|f| f.r#type.as_str()),
            Some("integer")
        );
        assert_eq!(guess_crs(&p.rows).as_deref(), Some("EPSG:4326"));
    }

    #[test]
    fn csv_with_wkt_and_projected_coordinates() {
        let p = csv(b"id,wkt,opened\n1,POINT(603697 1192284),2024-05-01\n").expect("readable");
        assert_eq!(p.geometry, "WKT column wkt");
        assert!(!p.rows[0].values.contains_key("wkt"));
        assert_eq!(guess_crs(&p.rows), None, "metres are not degrees");
        let f = fields(&p.rows);
        assert_eq!(
            f.iter()
                .find(|f| f.name == "opened")
                .map(|f| f.r#type.as_str()),
            Some("date")
        );
    }

    #[test]
    fn csv_without_geometry_is_refused() {
        assert!(csv(b"name,address\nA,B\n").is_err());
    }

    #[test]
    fn geojson_with_a_crs_member_and_ids() {
        let p = geojson(br#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32648"}},
            "features":[{"type":"Feature","id":7,"properties":{"n":"a"},"geometry":{"type":"Point","coordinates":[683000,1192000]}},
                        {"type":"Feature","properties":null,"geometry":null}]}"#).expect("readable");
        assert_eq!(p.srid, Some(32648));
        assert_eq!(p.rows[0].values["id"], 7);
        assert_eq!(p.rows[1].geometry, None);
        assert_eq!(
            srid_of_crs_name("urn:ogc:def:crs:OGC:1.3:CRS84"),
            Some(4326)
        );
        assert!(geojson(b"[1,2]").is_err());
    }
}
