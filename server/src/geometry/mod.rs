//! Geometry below every capability: reading points and boxes from requests, distances, and which
//! ward of the district a point lies in. Coordinates are WGS 84 longitude/latitude throughout, as
//! GeoJSON and the database (SRID 4326) have them.
//!
//! Distances and shapes use the `geo` crate; the ward lookup is a PostGIS query (`wards`).

pub mod wards;

use geo::{Distance, Haversine};
use serde_json::Value;

use axum::http::StatusCode;

use crate::error::{Refusal, StoreError};

pub use wards::ward_at;

/// What can be wrong with a place a request names.
#[derive(Debug, thiserror::Error)]
pub enum GeometryError {
    #[error("geometry must be a GeoJSON Point [lon, lat]")]
    NotAPoint,
    #[error("geometry coordinates must be [lon, lat] in range")]
    OutOfRange,
    #[error("[{0}, {1}] is outside District 1")]
    OutsideDistrict(f64, f64),
    /// A `bbox` parameter that is not four numbers of a box in range; the text says what is wrong.
    #[error("{0}")]
    Bbox(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Refusal for GeometryError {
    fn status(&self) -> StatusCode {
        match self {
            GeometryError::Store(e) => e.status(),
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            GeometryError::Store(e) => e.code(),
            _ => "invalid_parameter",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            GeometryError::Store(_) => None,
            GeometryError::Bbox(_) => Some("bbox"),
            _ => Some("geometry"),
        }
    }

    fn public_message(&self) -> String {
        match self {
            GeometryError::Store(e) => e.public_message(),
            _ => "internal error".into(),
        }
    }
}

/// A request's bounding box, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

fn bbox_error(message: impl Into<String>) -> GeometryError {
    GeometryError::Bbox(message.into())
}

/// `minLon,minLat,maxLon,maxLat` (or the 6-number 3D form, whose heights are ignored), WGS84.
pub fn parse_bbox(s: &str) -> Result<Bbox, GeometryError> {
    let nums: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bbox_error(format!("bbox must be 4 comma-separated numbers, got {s:?}")))?;
    let (min_lon, min_lat, max_lon, max_lat) = match nums[..] {
        [a, b, c, d] => (a, b, c, d),
        [a, b, _, d, e, _] => (a, b, d, e),
        _ => {
            return Err(bbox_error(format!(
                "bbox must have 4 numbers (minLon,minLat,maxLon,maxLat), got {}",
                nums.len()
            )))
        }
    };
    if nums.iter().any(|n| !n.is_finite()) {
        return Err(bbox_error("bbox numbers must be finite"));
    }
    if !(-180.0..=180.0).contains(&min_lon) || !(-180.0..=180.0).contains(&max_lon) {
        return Err(bbox_error("bbox longitudes must be within -180..180"));
    }
    if !(-90.0..=90.0).contains(&min_lat) || !(-90.0..=90.0).contains(&max_lat) {
        return Err(bbox_error("bbox latitudes must be within -90..90"));
    }
    if min_lat > max_lat {
        return Err(bbox_error("bbox minLat is greater than maxLat"));
    }
    if min_lon > max_lon {
        return Err(bbox_error(
            "bbox minLon is greater than maxLon (boxes across the antimeridian are not supported)",
        ));
    }
    Ok(Bbox {
        min_lon,
        min_lat,
        max_lon,
        max_lat,
    })
}

/// The `[lon, lat]` of a GeoJSON Point (a third coordinate, a height, is ignored); anything else, or
/// a point outside -180..180 / -90..90, is a 400 naming `geometry`.
pub fn point_of(g: &Value) -> Result<[f64; 2], GeometryError> {
    if g["type"] != "Point" {
        return Err(GeometryError::NotAPoint);
    }
    let c = g["coordinates"]
        .as_array()
        .filter(|c| c.len() == 2 || c.len() == 3);
    let xy = c.and_then(|c| Some([c[0].as_f64()?, c[1].as_f64()?]));
    xy.filter(|[x, y]| (-180.0..=180.0).contains(x) && (-90.0..=90.0).contains(y))
        .ok_or(GeometryError::OutOfRange)
}

/// Metres between two lon/lat points along the sphere (haversine, mean Earth radius): plenty for
/// ranking cameras within a district.
pub fn metres([x1, y1]: [f64; 2], [x2, y2]: [f64; 2]) -> f64 {
    Haversine.distance(geo::Point::new(x1, y1), geo::Point::new(x2, y2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Refusal;

    #[test]
    fn bbox_forms() {
        let b = parse_bbox("106.69,10.77,106.70,10.78").expect("valid bbox");
        assert_eq!(b.max_lat, 10.78);
        let b3 = parse_bbox("106.69,10.77,0,106.70,10.78,100").expect("valid 3D bbox");
        assert_eq!(b, b3);
        for bad in [
            "1,2,3",
            "a,b,c,d",
            "1,2,3,4,5",
            "200,0,201,1",
            "0,50,1,40",
            "5,0,4,1",
            "NaN,0,1,1",
        ] {
            let err = parse_bbox(bad).expect_err(bad);
            assert_eq!(err.field(), Some("bbox"), "{bad}");
        }
    }

    #[test]
    fn points_from_geojson() {
        let p = serde_json::json!({"type": "Point", "coordinates": [106.699, 10.7798, 5.0]});
        assert_eq!(point_of(&p).expect("a point"), [106.699, 10.7798]);
        for bad in [
            serde_json::json!({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}),
            serde_json::json!({"type": "Point", "coordinates": [190, 0]}),
            serde_json::json!({"type": "Point", "coordinates": ["a", 0]}),
            serde_json::json!({"type": "Point", "coordinates": [1]}),
        ] {
            assert_eq!(
                point_of(&bad).expect_err("refused").field(),
                Some("geometry")
            );
        }
    }

    #[test]
    fn distances_in_metres() {
        // Nhà thờ Đức Bà to the Bưu điện (post office) across the square: about 110 m
        let d = metres([106.69902, 10.77978], [106.69994, 10.77992]);
        assert!((95.0..130.0).contains(&d), "{d}");
        // one degree of latitude is ~111.2 km
        let d = metres([106.7, 10.0], [106.7, 11.0]);
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
        assert_eq!(metres([1.0, 2.0], [1.0, 2.0]), 0.0);
    }
}
